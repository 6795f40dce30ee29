"""What "never a secret" means for a status answer: the check the status tests share."""

from okxbridge.okx.signer import Credentials

KEY, SECRET, PASSPHRASE = "okxsim-demo-key", "okxsim-demo-secret", "okxsim-demo-pass"


SIM_CREDS = Credentials(KEY, SECRET, PASSPHRASE)


def assert_no_secret(text: str, creds: Credentials = SIM_CREDS) -> None:
    """Neither the secret, the passphrase nor the access key appears (not even in part)."""
    for secret in (creds.secret, creds.passphrase, creds.api_key):
        assert secret not in text
    assert "OK-ACCESS" not in text and "sign" not in text.lower()
