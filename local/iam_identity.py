"""Who signed a request to the local endpoint, as API Gateway's IAM authorization would tell the Api function.

The runtime's own credentials (access key `test`) act as the account's root user: full access, as LocalStack's
default credentials do, so the demo and the tests keep working. Any other access key must belong to an IAM user
created in the emulator (iam create-user, create-access-key) or to a session of a role assumed through the
emulated STS; its secret verifies the signature and its policies decide what it may call."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LocalIdentity:
    access_key: str
    secret: str
    arn: str
    account: str


class LocalIdentities:
    def __init__(self, root_secrets: dict[str, str], account: str) -> None:
        self._root_secrets = root_secrets  # the runtime's own credentials: access key -> secret
        self._account = account

    def find(self, access_key: str) -> LocalIdentity | None:
        secret = self._root_secrets.get(access_key)
        if secret is not None:
            return LocalIdentity(access_key, secret, f"arn:aws:iam::{self._account}:root", self._account)
        return self._iam_user(access_key) or self._role_session(access_key)

    def _iam_user(self, access_key: str) -> LocalIdentity | None:
        from moto.iam.models import iam_backends

        backend = iam_backends[self._account]["aws"]
        user = backend.get_user_from_access_key_id(access_key)
        if user is None:
            return None
        for key in backend.list_access_keys(user.name):
            if key.access_key_id == access_key and key.status == "Active":
                return LocalIdentity(access_key, key.secret_access_key, str(user.arn), self._account)
        return None

    def _role_session(self, access_key: str) -> LocalIdentity | None:
        from moto.sts.models import sts_backends

        session = sts_backends[self._account]["aws"].get_assumed_role_from_access_key(access_key)
        if session is None:
            return None
        role_name = session.role_arn.rsplit("/", 1)[-1]
        arn = f"arn:aws:sts::{self._account}:assumed-role/{role_name}/{session.session_name}"
        return LocalIdentity(access_key, session.secret_access_key, arn, self._account)
