"""The WeCom callback through the local API (its own function, WecomCallback): signed callbacks verified,
forged ones refused, and, issue 16 point 9, a callback admitted once and only while fresh."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
import xmltodict
from wechatpy.enterprise.crypto import WeChatCrypto

from infra.localcloud.api_gateway import LocalApi

MESSAGE = (
    "<xml><ToUserName>x</ToUserName><FromUserName>zhangsan</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType>text</MsgType><Content>人工复核</Content><MsgId>1</MsgId><AgentID>1000002</AgentID></xml>"
)


@pytest.fixture(scope="module")
def api(cloud) -> LocalApi:
    return LocalApi(cloud)


@pytest.fixture(scope="module")
def crypto(cloud) -> WeChatCrypto:
    config = cloud.wecom.config()
    return WeChatCrypto(config["callback_token"], config["encoding_aes_key"], config["corp_id"])


def _signed_message(crypto: WeChatCrypto, nonce: str, stamp: int) -> tuple[str, str]:
    body = crypto.encrypt_message(MESSAGE, nonce, str(stamp))
    return (
        body,
        f"msg_signature={xmltodict.parse(body)['xml']['MsgSignature']}&timestamp={stamp}&nonce={nonce}",
    )


def test_wecom_callbacks_are_verified_and_forged_ones_refused(api, crypto, cloud):
    now = int(time.time())
    # the URL check: an encrypted echostr, signed
    echo = xmltodict.parse(crypto.encrypt_message("echo-42", "n1", str(now)))["xml"]
    query = f"msg_signature={echo['MsgSignature']}&timestamp={now}&nonce=n1&echostr={quote(echo['Encrypt'])}"
    ok = api.request("GET", "/v1/wecom/callback", query=query)
    assert ok.status == 200 and ok.body == b"echo-42"
    forged = api.request("GET", "/v1/wecom/callback", query=query.replace(echo["MsgSignature"], "0" * 40))
    assert forged.status == 403 and forged.json()["error"]["code"] == "CALLBACK_REFUSED"
    # a message: decrypted and acknowledged; the same body with a forged signature refused
    body, signed = _signed_message(crypto, "n2", now + 1)
    good = api.request("POST", "/v1/wecom/callback", body=body, query=signed)
    assert good.status == 200 and good.body == b"success"
    bad = api.request(
        "POST",
        "/v1/wecom/callback",
        body=body,
        query="msg_signature=" + "1" * 40 + f"&timestamp={now + 1}&nonce=n2",
    )
    assert bad.status == 403 and bad.json()["error"]["code"] == "CALLBACK_REFUSED"
    # served by the callback's own function, not by the Api function
    assert cloud.function("WecomCallback").invocations >= 4


def test_callback_replay_refused(api, crypto):
    # Given a valid signed callback, accepted once
    body, signed = _signed_message(crypto, "replay-1", int(time.time()))
    first = api.request("POST", "/v1/wecom/callback", body=body, query=signed)
    assert first.status == 200 and first.body == b"success"
    # When the very same request comes again, Then it is refused as a replay
    again = api.request("POST", "/v1/wecom/callback", body=body, query=signed)
    assert again.status == 403 and again.json()["error"]["code"] == "CALLBACK_REPLAYED"
    # And the URL check cannot be replayed either
    now = int(time.time())
    echo = xmltodict.parse(crypto.encrypt_message("echo-7", "replay-2", str(now)))["xml"]
    query = f"msg_signature={echo['MsgSignature']}&timestamp={now}&nonce=replay-2&echostr={quote(echo['Encrypt'])}"
    assert api.request("GET", "/v1/wecom/callback", query=query).status == 200
    replayed = api.request("GET", "/v1/wecom/callback", query=query)
    assert replayed.status == 403 and replayed.json()["error"]["code"] == "CALLBACK_REPLAYED"


@pytest.mark.parametrize("offset", [-3600, -301, 301])
def test_a_signed_callback_with_a_timestamp_outside_the_window_is_refused(api, crypto, offset):
    body, signed = _signed_message(crypto, f"stale{offset}", int(time.time()) + offset)
    response = api.request("POST", "/v1/wecom/callback", body=body, query=signed)
    assert response.status == 403 and response.json()["error"]["code"] == "CALLBACK_STALE"


@pytest.mark.parametrize(
    ("method", "path", "served_by"),
    [("POST", "/v1/wecom/callback", "WecomCallback"), ("DELETE", "/v1/candidates/c-1", "EraseCandidate")],
)
def test_the_api_function_itself_serves_neither_the_callback_nor_the_erasure(api, method, path, served_by):
    route = next(r for r in api.routes if r.matches(method, path) is not None and r.function != "Api")
    assert route.function == served_by
    event = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": "r-1",
            "routeKey": route.key,
            "stage": "$default",
            "authorizer": {"lambda": {"tenant_id": "t-x", "key_id": "k-x", "scopes": "admin"}},
        },
        "isBase64Encoded": False,
    }
    assert api._invoke("Api", event)["statusCode"] == 404  # invoked straight, past API Gateway
