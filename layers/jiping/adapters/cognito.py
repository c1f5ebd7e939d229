"""Amazon Cognito ID tokens, verified with PyJWT against the user pool's published keys (JWKS): signature
(RS256 only), issuer, audience (the app client), ``token_use`` = ``id`` and expiry. A token that fails any
check is refused as ``TOKEN_INVALID``; the keys are fetched once per process and on an unknown key id."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx
import jwt
from jwt import PyJWKSet

from jiping.domain.errors import PortalError

LEEWAY_S = 30


class CognitoVerifier:
    def __init__(self, user_pool_id: str, client_id: str, region: str, jwks_url: str = "") -> None:
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.client_id = client_id
        url = jwks_url or f"{self.issuer}/.well-known/jwks.json"
        # a file:// JWKS is a local cloud's (moto's key pair); PyJWT's client fetches over https only
        self._file = (
            PyJWKSet.from_json(Path(url2pathname(urlsplit(url).path)).read_text())
            if url.startswith("file:")
            else None
        )
        self._client = None if self._file else jwt.PyJWKClient(url, cache_keys=True)

    def _key(self, id_token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(id_token).key
        kid = jwt.get_unverified_header(id_token).get("kid")
        assert self._file is not None
        try:
            return self._file[str(kid)].key
        except KeyError:
            raise jwt.InvalidKeyError("unknown key id") from None

    def claims(self, id_token: str) -> dict[str, Any]:
        try:
            key = self._key(id_token)
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=["RS256"],
                audience=self.client_id,
                issuer=self.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "iss", "aud", "token_use"]},
            )
        except jwt.PyJWTError as exc:
            raise PortalError(
                "TOKEN_INVALID", f"the ID token was refused: {type(exc).__name__}", 401
            ) from None
        if claims.get("token_use") != "id":
            raise PortalError("TOKEN_INVALID", "an ID token is required (token_use id)", 401)
        return claims


def exchange_code(
    domain: str, client_id: str, code: str, redirect_uri: str, verifier: str, timeout_s: float = 10.0
) -> str:
    """The hosted UI's authorization code for the ID token (the token endpoint, with the PKCE verifier); a
    refusal or no answer is ``COGNITO_FAILED``."""
    try:
        answer = httpx.post(
            f"{domain.rstrip('/')}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "client_id": client_id,
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            timeout=timeout_s,
            follow_redirects=False,
        )
        token = answer.json().get("id_token") if answer.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        token = None
    if not isinstance(token, str):
        raise PortalError("COGNITO_FAILED", "Cognito did not exchange the code", 401)
    return token
