#!/usr/bin/env python3
"""Check one comment's inclusion proof in a consultation's comment record, with nothing but
Python's standard library.

    python3 verify_comment_proof.py proof-7KQ4-M2XD-93TR.json [--root HEX] [--sent sent.json]

The proof is the JSON file offered on the comment's receipt page (or the API's
``/api/v1/comments/<tracking number>/proof/``). ``--root`` checks it against the root you
read on the consultation's page (or in the open data) rather than the one in the file;
``--sent`` recomputes the content hash from what you sent (a JSON object with the fields
listed in the README). Exit status 0: included; 1: not included; 2: unreadable input.

The encoding is RFC 6962's with SHA-256: leaf hash SHA-256(0x00 || leaf data), node hash
SHA-256(0x01 || left || right); the leaf data is four lines joined by "\\n": the proof's
encoding ("consult-comment-v2"; "consult-comment-v1" for records computed before salts), the
tracking number, the moment received (UTC) and the content hash. In v2 what was sent includes
the "salt" shown only to the sender, on the private link of the receipt e-mail.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def content_sha256(sent: dict) -> str:
    text = json.dumps(sent, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def leaf_hash(proof: dict) -> bytes:
    data = "\n".join(
        (
            proof["encoding"],
            proof["tracking_number"],
            proof["received_at"],
            proof["content_sha256"],
        )
    )
    return sha256(b"\x00" + data.encode("utf-8"))


def root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """RFC 9162, section 2.1.3.2; None when the path cannot be one of this tree."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn % 2 == 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn // 2, sn // 2
        else:
            r = sha256(b"\x01" + r + p)
        fn, sn = fn // 2, sn // 2
    return r if sn == 0 else None


ENCODINGS = ("consult-comment-v1", "consult-comment-v2")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("proof", help="the proof's JSON file")
    parser.add_argument("--root", help="the published root (hex) to check against")
    parser.add_argument("--sent", help="a JSON file of what was sent, to check the content hash")
    args = parser.parse_args(argv)
    try:
        with open(args.proof, encoding="utf-8") as handle:
            proof = json.load(handle)
        path = [bytes.fromhex(p) for p in proof["audit_path"]]
        root = bytes.fromhex(args.root or proof["root"])
        index, size = int(proof["leaf_index"]), int(proof["tree_size"])
        if proof["encoding"] not in ENCODINGS:
            raise ValueError(f"unknown encoding {proof['encoding']!r}")
        sent = None
        if args.sent:
            with open(args.sent, encoding="utf-8") as handle:
                sent = json.load(handle)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"cannot read the proof: {error}", file=sys.stderr)
        return 2
    if sent is not None and content_sha256(sent) != proof["content_sha256"]:
        print("NOT included: what you sent does not give the proof's content hash")
        return 1
    if root_from_path(leaf_hash(proof), index, size, path) != root:
        print(f"NOT included: the proof does not lead to the root {root.hex()}")
        return 1
    number = proof["tracking_number"]
    print(f"included: comment {number} is entry {index} of {size}, root {root.hex()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
