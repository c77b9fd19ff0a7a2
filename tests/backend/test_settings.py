"""Settings refuse placeholder secrets everywhere but in development."""

import pytest
from pydantic import ValidationError

from backend.core.settings import PLACEHOLDER_SECRET, Settings


@pytest.mark.parametrize("environment", ["test", "production"])
@pytest.mark.parametrize("secret", ["keystore_password", "api_key_pepper"])
def test_placeholder_secret_is_refused_outside_development(environment: str, secret: str) -> None:
    real = {"keystore_password": "a-real-password", "api_key_pepper": "a-real-pepper"}
    real[secret] = PLACEHOLDER_SECRET

    with pytest.raises(ValidationError, match=f"TIERCREDIT_{secret.upper()} must be set"):
        Settings(environment=environment, _env_file=None, **real)  # type: ignore[call-arg]


def test_development_runs_with_the_placeholders() -> None:
    settings = Settings(environment="development", _env_file=None)  # type: ignore[call-arg]

    assert settings.keystore_password == PLACEHOLDER_SECRET
    assert settings.api_key_pepper == PLACEHOLDER_SECRET
