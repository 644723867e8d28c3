#!/usr/bin/env python3
"""seeds.py: write the seed corpora tests/fuzz/corpus/<driver>/ (run from
the repository root). Only to regenerate or extend them: the seeds are in
the repository. Needs python3-cryptography (keys, JWS, CSRs, certificates
are made fresh, so every run writes different bytes for those)."""
import base64, datetime, json, os, struct, sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.x509.oid import NameOID

ROOT = "tests/fuzz/corpus"


def put(driver, name, data):
    d = os.path.join(ROOT, driver)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def b64(b):
    if isinstance(b, str):
        b = b.encode()
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def uint(n, size=None):
    b = n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")
    return b.rjust(size, b"\0") if size else b


def jwk(key):
    pub = key.public_key().public_numbers()
    if isinstance(key, rsa.RSAPrivateKey):
        return {"e": b64(uint(pub.e)), "kty": "RSA", "n": b64(uint(pub.n))}
    crv, size = ("P-256", 32) if key.curve.name == "secp256r1" else ("P-384", 48)
    return {"crv": crv, "kty": "EC", "x": b64(uint(pub.x, size)),
            "y": b64(uint(pub.y, size))}


def sign(key, msg):
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(msg, padding.PKCS1v15(), hashes.SHA256()), "RS256"
    h, size, alg = ((hashes.SHA256(), 32, "ES256") if key.curve.name == "secp256r1"
                    else (hashes.SHA384(), 48, "ES384"))
    r, s = utils.decode_dss_signature(key.sign(msg, ec.ECDSA(h)))
    return uint(r, size) + uint(s, size), alg


def jws(key, payload, nonce="bm9uY2U", header=None, extra=None):
    alg = "RS256" if isinstance(key, rsa.RSAPrivateKey) else (
        "ES256" if key.curve.name == "secp256r1" else "ES384")
    prot = {"alg": alg, "jwk": jwk(key)}
    if nonce is not None:
        prot["nonce"] = nonce
    prot.update(extra or {})
    p64, pl64 = b64(json.dumps(prot)), b64(json.dumps(payload))
    sig, _ = sign(key, (p64 + "." + pl64).encode())
    out = {"protected": p64, "payload": pl64, "signature": b64(sig)}
    if header is not None:
        out["header"] = header
    return out


def csr(key, cn, sans):
    b = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []))
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def cert(cn, key, issuer=None, ikey=None, ca=False):
    now = datetime.datetime(2026, 1, 1)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    b = (x509.CertificateBuilder().subject_name(name)
         .issuer_name(issuer.subject if issuer else name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=90))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True))
    if not ca:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), False)
    return b.sign(ikey or key, hashes.SHA256())


RES = ["new-reg", "reg", "new-authz", "challenge", "authz", "new-cert",
       "revoke-cert", "key-change"]


def seeds_jws(rsa_key, p256, p384):
    def body(i, obj):
        return bytes([i]) + (obj if isinstance(obj, bytes) else json.dumps(obj).encode())
    put("fuzz_jws_v1", "rs256_new_reg", body(0, jws(rsa_key, {
        "resource": "new-reg", "contact": ["mailto:a@example.com"]})))
    put("fuzz_jws_v1", "es256_new_authz", body(2, jws(p256, {
        "resource": "new-authz", "identifier": {"type": "dns", "value": "a.example.com"}})))
    put("fuzz_jws_v1", "es384_new_cert", body(5, jws(p384, {
        "resource": "new-cert", "csr": b64(csr(p256, "a.example.com", None))})))
    j = jws(p256, {"resource": "challenge", "type": "http-01"}, nonce=None,
            header={"nonce": "bm9uY2U"})
    put("fuzz_jws_v1", "es256_unprotected_nonce", body(3, j))
    j = jws(p256, {"resource": "reg"})
    put("fuzz_jws_v1", "es256_compact", body(1, (j["protected"] + "." + j["payload"]
                                               + "." + j["signature"]).encode()))
    j = jws(p256, {"resource": "new-reg"})
    j["signature"] = j["signature"][:-4] + "AAAA"
    put("fuzz_jws_v1", "bad_signature", body(0, j))
    put("fuzz_jws_v1", "wrong_resource", body(7, jws(p256, {"resource": "new-reg"})))
    put("fuzz_jws_v1", "no_nonce", body(0, jws(p256, {"resource": "new-reg"}, nonce=None)))
    put("fuzz_jws_v1", "not_json", b"\0{\"protected\":")


def seeds_rules(p256, p384):
    def rule(i, name, obj):
        put("fuzz_v1_rules", name, bytes([i]) + json.dumps(obj).encode())
    rule(0, "reg_contact", {"resource": "new-reg", "contact": ["mailto:a@example.com",
         "mailto:b@example.org"], "agreement": "http://bridge:4000/terms"})
    rule(0, "reg_deactivate", {"resource": "reg", "status": "deactivated"})
    rule(0, "reg_bad_contact", {"contact": ["tel:+123", 7], "agreement": ""})
    rule(1, "authz_identifier", {"resource": "new-authz",
         "identifier": {"type": "dns", "value": "Www.Example.COM"}})
    rule(1, "authz_key_authorization", {"resource": "challenge", "type": "http-01",
         "keyAuthorization": "tok-Abc_123.NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"})
    rule(1, "authz_deactivate", {"resource": "authz", "status": "deactivated"})
    rule(2, "cert_csr", {"resource": "new-cert", "csr": b64(csr(p256, "a.example.com",
         [x509.DNSName("a.example.com"), x509.DNSName("b.example.com")]))})
    rule(2, "revoke_reason", {"resource": "revoke-cert", "certificate": "AAAA", "reason": 4})
    rule(2, "revoke_bad_reason", {"reason": 2})
    inner = jws(p384, {"account": "http://bridge:4000/acme/reg/7", "newKey": jwk(p384)},
                nonce=None)
    rule(3, "key_change", inner)
    rule(3, "key_change_other_key", jws(p384, {"account": "http://bridge:4000/acme/reg/7",
         "newKey": jwk(p256)}, nonce=None))


def seeds_csr(p256, rsa_key):
    put("fuzz_csr", "cn_only", csr(p256, "a.example.com", None))
    put("fuzz_csr", "san_many", csr(rsa_key, "a.example.com", [
        x509.DNSName("B.example.com"), x509.DNSName("a.example.com"),
        x509.DNSName("c.example.net")]))
    put("fuzz_csr", "wildcard", csr(p256, None, [x509.DNSName("*.example.com")]))
    import ipaddress
    put("fuzz_csr", "ip_san", csr(p256, "a.example.com", [
        x509.IPAddress(ipaddress.ip_address("192.0.2.1"))]))
    put("fuzz_csr", "no_names", csr(p256, None, None))


def seeds_chain(p256, rsa_key):
    root = cert("Root", rsa_key, ca=True)
    inter = cert("Intermediate", p256, root, rsa_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = cert("a.example.com", leaf_key, inter, p256)
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)
    put("fuzz_chain", "leaf_inter_root", b"\0" + pem(leaf) + pem(inter) + pem(root))
    put("fuzz_chain", "leaf_only", b"\0" + pem(leaf))
    put("fuzz_chain", "root_only", b"\0" + pem(root))
    put("fuzz_chain", "garbage", b"\0-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    put("fuzz_chain", "der_leaf", b"\1" + leaf.public_bytes(serialization.Encoding.DER))


def seeds_v2():
    ca = "https://ca.example/acme"
    docs = {
        "directory": (0, {"newNonce": ca + "/nonce", "newAccount": ca + "/acct",
                          "newOrder": ca + "/order", "revokeCert": ca + "/revoke",
                          "keyChange": ca + "/kc", "meta": {"termsOfService": ca + "/tos"}}),
        "account": (1, {"status": "valid", "orders": ca + "/acct/1/orders",
                         "contact": ["mailto:a@example.com"]}),
        "order": (2, {"status": "pending", "finalize": ca + "/finalize/1",
                      "authorizations": [ca + "/authz/1", ca + "/authz/2"],
                      "identifiers": [{"type": "dns", "value": "a.example.com"}]}),
        "order_invalid": (2, {"status": "invalid", "finalize": ca + "/f", "authorizations": [],
                              "certificate": ca + "/cert/1",
                              "error": {"type": "urn:ietf:params:acme:error:unauthorized",
                                        "detail": "no", "status": 403}}),
        "authz": (3, {"identifier": {"type": "dns", "value": "a.example.com"},
                      "status": "pending", "expires": "2026-12-01T00:00:00Z",
                      "challenges": [
                          {"type": "http-01", "url": ca + "/chall/1", "status": "pending",
                           "token": "tok-Abc_123"},
                          {"type": "dns-01", "url": ca + "/chall/2", "status": "pending",
                           "token": "tok-Abc_123"}]}),
        "authz_wildcard": (3, {"identifier": {"type": "dns", "value": "example.com"},
                               "status": "valid", "wildcard": True, "challenges": []}),
        "challenge_invalid": (4, {"type": "http-01", "url": ca + "/chall/1",
                                  "status": "invalid", "token": "t",
                                  "error": {"type": "urn:ietf:params:acme:error:connection",
                                            "detail": "Fetching http://a/: refused",
                                            "status": 400}}),
        "problem_compound": (5, {"type": "urn:ietf:params:acme:error:compound",
                                 "detail": "several", "status": 400,
                                 "subproblems": [
                                     {"type": "urn:ietf:params:acme:error:caa", "detail": "caa",
                                      "identifier": {"type": "dns", "value": "a.example.com"}},
                                     {"type": "urn:ietf:params:acme:error:dns", "detail": "nx"}]}),
        "problem_rate_limited": (5, {"type": "urn:ietf:params:acme:error:rateLimited",
                                     "detail": "too many", "status": 429,
                                     "instance": "https://ca.example/docs"}),
        "problem_v1_urn": (5, {"type": "urn:acme:error:badNonce"}),
        "problem_paused": (5, {"type": "urn:ietf:params:acme:error:rateLimited",
                               "detail": "account paused, see https://portal.example/p"}),
    }
    for name, (i, doc) in docs.items():
        put("fuzz_v2", name, bytes([i]) + json.dumps(doc).encode())


def dns_name(n):
    out = b""
    for label in n.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_msg(qid, qname, qtype, answers, rcode=0, flags=0x8180):
    m = struct.pack(">HHHHHH", qid, flags | rcode, 1, len(answers), 0, 0)
    m += dns_name(qname) + struct.pack(">HH", qtype, 1)
    for owner, t, rdata in answers:
        m += owner + struct.pack(">HHIH", t, 1, 300, len(rdata)) + rdata
    return m


def seeds_dns():
    q = b"\xc0\x0c"  # pointer to the question's name
    put("fuzz_dns", "a_compressed", b"\0" + dns_msg(0x1234, "example.com", 1,
        [(q, 1, bytes([192, 0, 2, 1])), (q, 1, bytes([192, 0, 2, 2]))]))
    put("fuzz_dns", "aaaa", b"\1" + dns_msg(7, "example.com", 28,
        [(q, 28, bytes(range(16)))]))
    acme = "_acme-challenge.Example.COM"
    put("fuzz_dns", "txt", b"\5" + dns_msg(9, acme, 16,
        [(q, 16, b"\x0bhello world\x03abc")]))
    cname = dns_name("alias.example.net")
    put("fuzz_dns", "cname_chain", b"\0" + dns_msg(5, "example.com", 1,
        [(q, 5, cname), (b"\xc0\x29", 1, bytes([10, 0, 0, 1]))]))
    put("fuzz_dns", "nxdomain", b"\0" + dns_msg(3, "example.com", 1, [], rcode=3))
    put("fuzz_dns", "pointer_loop", b"\0" + dns_msg(4, "example.com", 1,
        [(b"\xc0\x1d", 1, bytes(4))]))
    put("fuzz_dns", "resolv_conf", b"\x40# generated\nsearch example.com\n"
        b"nameserver 192.0.2.53 # first\nnameserver ::1\n")


def seeds_text():
    for i, ua in enumerate([
            b"dehydrated/0.7.0 curl/7.88.1",
            b"CertbotACMEClient/0.31.0 (certbot; Ubuntu 18.04) Authenticator/webroot",
            b"\0application/json",
            b"acme.sh/2.8.5 (https://github.com/acmesh-official/acme.sh)",
            b"Mozilla/5.0 \xc3\xa9\xff\x01 nonce=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-"]):
        put("fuzz_ua", "ua%d" % i, ua)
    for i, p in enumerate(["/directory", "/acme/new-reg", "/acme/reg/12",
                           "/acme/authz/9007199254740991", "/acme/challenge/3/1",
                           "/acme/cert/0a1b2c", "/acme/issuer-cert/ff00",
                           "/acme/challenge/1/100", "/acme/reg/0"]):
        put("fuzz_v1_path", "path%d" % i, p)
    # found by fuzz_v1_path: an id past what strtoll reads
    put("fuzz_v1_path", "challenge_id_overflow", "/acme/challenge/333333333333333333333/1")


def seeds_config():
    with open("config/acme-bridge.example.json", "rb") as f:
        put("fuzz_config", "example", b"\0" + f.read())
    put("fuzz_config", "minimal", b"\0" + json.dumps({
        "listen": "[::1]:4000", "max_body_bytes": 1024, "log_level": "debug",
        "authz_mode": "client-proof", "policy": [{"name": "web",
        "match": {"addresses": ["10.0.0.0/8"]}, "allow": ["*.example.com"]}]}).encode())
    put("fuzz_config", "bad_key", b"\0{\n  \"listen\": \"127.0.0.1:4000\",\n  \"nope\": 1\n}\n")
    put("fuzz_config", "argv", b"\1--listen=127.0.0.1:4010\0--agree-tos\0--log-level\0warn")


def seeds_http():
    reqs = {
        "get": b"GET /directory HTTP/1.1\r\nHost: bridge:4000\r\n"
               b"User-Agent: dehydrated/0.7.0\r\n\r\n",
        "post": b"POST /acme/new-reg HTTP/1.1\r\nHost: b\r\nContent-Type: "
                b"application/jose+json\r\nContent-Length: 11\r\n\r\n{\"a\":\"bcd\"}",
        "pipelined": b"GET / HTTP/1.1\r\nHost: b\r\n\r\nHEAD /terms HTTP/1.1\r\nHost: b\r\n"
                     b"\r\nGET /x HTTP/1.0\r\n\r\n",
        "chunked": b"POST /acme/new-cert HTTP/1.1\r\nHost: b\r\nTransfer-Encoding: "
                   b"chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "too_large": b"POST / HTTP/1.1\r\nContent-Length: 99999\r\n\r\n",
        "bad": b"GET / HTTP/9.9\r\nHost\r\n\r\n",
    }
    for i, (name, r) in enumerate(reqs.items()):
        put("fuzz_http", name, bytes([(i * 37) % 256, i % 2]) + r)


def main():
    os.chdir(os.path.join(os.path.dirname(sys.argv[0]), "..", ".."))
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    p256 = ec.generate_private_key(ec.SECP256R1())
    p384 = ec.generate_private_key(ec.SECP384R1())
    seeds_jws(rsa_key, p256, p384)
    seeds_rules(p256, p384)
    seeds_csr(p256, rsa_key)
    seeds_chain(p256, rsa_key)
    seeds_v2()
    seeds_dns()
    seeds_text()
    seeds_config()
    seeds_http()


if __name__ == "__main__":
    main()
