"""A verifier of comment-record proofs written from the documented encoding alone (README,
"Checking the comment record"; RFC 6962 / RFC 9162 section 2.1.3.2), importing nothing from the
project: if the project's encoding drifted from its documentation, the tests using this fail."""

import hashlib
import json


def content_sha256(sent: dict) -> str:
    text = json.dumps(sent, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def leaf(encoding: str, tracking_number: str, received_at: str, content: str) -> bytes:
    data = f"{encoding}\n{tracking_number}\n{received_at}\n{content}"
    return hashlib.sha256(b"\x00" + data.encode("utf-8")).digest()


def verify(proof: dict) -> bool:
    r = leaf(
        proof["encoding"], proof["tracking_number"], proof["received_at"], proof["content_sha256"]
    )
    fn, sn = proof["leaf_index"], proof["tree_size"] - 1
    if fn > sn:
        return False
    for sibling in map(bytes.fromhex, proof["audit_path"]):
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = hashlib.sha256(b"\x01" + sibling + r).digest()
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = hashlib.sha256(b"\x01" + r + sibling).digest()
        fn, sn = fn // 2, sn // 2
    return sn == 0 and r.hex() == proof["root"]


def root_of(leaves: list[bytes]) -> bytes:
    """RFC 6962's MTH, recursively: the split at the largest power of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + root_of(leaves[:k]) + root_of(leaves[k:])).digest()
