#!/usr/bin/env python3
"""Push a Helm 4 plugin archive and its .prov to an OCI registry, as `helm plugin install oci://`
reads it. Helm 4.1 can install plugins from a registry but has no command to push one.

Usage:
  scripts/oci-push-plugin.py [--plain-http] [--username USER] ARCHIVE REGISTRY/REPO:TAG
    (password for --username from $OCI_PASSWORD; the ref may start with oci://)

What Helm 4.1 expects (pkg/registry/plugin.go in helm/helm):
  - an OCI image manifest whose artifactType is application/vnd.helm.plugin.v1+json
    (this script sends the OCI 1.1 empty config with it);
  - the repository's last path segment is the plugin name;
  - a layer titled NAME-VERSION.tgz (the archive) and, for `--verify`, one titled
    NAME-VERSION.tgz.prov; Helm only fetches layers of media type
    application/vnd.oci.image.layer.v1.tar or ...tar+gzip, so the .prov goes up as a "tar" layer.

Only the Python standard library is used. Registry auth: anonymous, or a Bearer/Basic challenge
answered with --username and $OCI_PASSWORD (the Docker registry token flow).
"""

import argparse
import base64
import hashlib
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

ARTIFACT_TYPE = "application/vnd.helm.plugin.v1+json"
MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json"
EMPTY_CONFIG = b"{}"
EMPTY_TYPE = "application/vnd.oci.empty.v1+json"
TGZ_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
PROV_LAYER = "application/vnd.oci.image.layer.v1.tar"
TITLE = "org.opencontainers.image.title"


def fail(message):
    sys.exit(f"oci-push-plugin: {message}")


class Registry:
    def __init__(self, host, repo, plain_http, username, password):
        self.base = f"{'http' if plain_http else 'https'}://{host}"
        self.repo = repo
        self.username = username
        self.password = password
        self.auth = None

    def _challenge(self, header):
        scheme, _, params = header.partition(" ")
        if scheme.lower() == "basic":
            if not self.username:
                fail("the registry wants a login: pass --username and set OCI_PASSWORD")
            raw = f"{self.username}:{self.password}".encode()
            self.auth = "Basic " + base64.b64encode(raw).decode()
            return
        if scheme.lower() != "bearer":
            fail(f"unsupported auth challenge {header!r}")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
        query = {k: v for k, v in fields.items() if k in ("service", "scope")}
        request = urllib.request.Request(fields["realm"] + "?" + urllib.parse.urlencode(query))
        if self.username:
            raw = f"{self.username}:{self.password}".encode()
            request.add_header("Authorization", "Basic " + base64.b64encode(raw).decode())
        with urllib.request.urlopen(request) as answer:
            token = json.load(answer)
        self.auth = "Bearer " + (token.get("token") or token["access_token"])

    def call(self, method, url, body=None, headers=None, ok=(200, 201, 202)):
        """One request, answering one auth challenge; returns (status, headers)."""
        if url.startswith("/"):
            url = self.base + url
        for attempt in (1, 2):
            request = urllib.request.Request(url, data=body, method=method)
            for key, value in (headers or {}).items():
                request.add_header(key, value)
            if self.auth:
                request.add_header("Authorization", self.auth)
            try:
                with urllib.request.urlopen(request) as answer:
                    return answer.status, answer.headers
            except urllib.error.HTTPError as error:
                if error.code == 401 and attempt == 1 and "WWW-Authenticate" in error.headers:
                    self._challenge(error.headers["WWW-Authenticate"])
                    continue
                if error.code in ok:
                    return error.code, error.headers
                if method == "HEAD" and error.code == 404:
                    return 404, error.headers
                detail = error.read().decode(errors="replace")
                fail(f"{method} {url}: HTTP {error.code} {detail}")
        fail(f"{method} {url}: still unauthorized after logging in")

    def push_blob(self, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        status, _ = self.call("HEAD", f"/v2/{self.repo}/blobs/{digest}")
        if status == 200:
            return digest
        _, headers = self.call("POST", f"/v2/{self.repo}/blobs/uploads/", body=b"")
        location = urllib.parse.urljoin(self.base + "/", headers["Location"])
        location += ("&" if "?" in location else "?") + urllib.parse.urlencode({"digest": digest})
        self.call(
            "PUT",
            location,
            body=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        return digest


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive")
    parser.add_argument("ref")
    parser.add_argument("--plain-http", action="store_true")
    parser.add_argument("--username")
    args = parser.parse_args()

    ref = args.ref.removeprefix("oci://")
    match = re.fullmatch(r"([^/]+)/(.+):([\w][\w.-]{0,127})", ref)
    if not match:
        fail(f"expected REGISTRY/REPOSITORY:TAG, got {args.ref!r}")
    host, repo, tag = match.groups()
    name = os.path.basename(args.archive)
    plugin = repo.rsplit("/", 1)[-1]
    if not (name.startswith(plugin + "-") and name.endswith(".tgz")):
        fail(f"Helm looks for a layer named {plugin}-VERSION.tgz; the archive is {name}")

    layers = [(args.archive, name, TGZ_LAYER)]
    prov = args.archive + ".prov"
    if os.path.exists(prov):
        layers.append((prov, name + ".prov", PROV_LAYER))
    else:
        print(f"oci-push-plugin: no {prov}: `helm plugin install` will need --verify=false", file=sys.stderr)

    registry = Registry(host, repo, args.plain_http, args.username, os.environ.get("OCI_PASSWORD", ""))
    config_digest = registry.push_blob(EMPTY_CONFIG)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "artifactType": ARTIFACT_TYPE,
        "config": {
            "mediaType": EMPTY_TYPE,
            "digest": config_digest,
            "size": len(EMPTY_CONFIG),
            "data": base64.b64encode(EMPTY_CONFIG).decode(),
        },
        "layers": [],
    }
    for path, title, media_type in layers:
        with open(path, "rb") as f:
            data = f.read()
        manifest["layers"].append(
            {
                "mediaType": media_type,
                "digest": registry.push_blob(data),
                "size": len(data),
                "annotations": {TITLE: title},
            }
        )
    body = json.dumps(manifest, indent=2).encode()
    registry.call("PUT", f"/v2/{repo}/manifests/{tag}", body=body, headers={"Content-Type": MANIFEST_TYPE})
    print(f"pushed oci://{host}/{repo}:{tag}@sha256:{hashlib.sha256(body).hexdigest()}")


if __name__ == "__main__":
    main()
