#!/usr/bin/env python3
"""Packs a root filesystem into an OCI image layout archive, the format
`ctr image import` and `podman load` read, without a registry.

    contrib/make-oci-archive.py ROOTFS ARCHIVE IMAGE...

Each IMAGE is NAME (its command /bin/sh) or NAME=ARGV (its entrypoint, split
on spaces), e.g. docker.io/petrel/pause:test=/bin/sleep 2147483647. All the
images share one uncompressed layer: ROOTFS as it is (symlinks kept, owners
and modes as on disk). The archive holds oci-layout, index.json (each
manifest named by the io.containerd.image.name annotation and by
org.opencontainers.image.ref.name, its tag) and blobs/sha256/<digest>."""
import hashlib
import io
import json
import os
import platform
import sys
import tarfile

ARCHES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
          "s390x": "s390x", "riscv64": "riscv64"}


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rootfs, out, images = sys.argv[1], sys.argv[2], sys.argv[3:]
    blobs = {}

    def blob(data, media_type):
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

    layer_tar = io.BytesIO()
    with tarfile.open(fileobj=layer_tar, mode="w", format=tarfile.PAX_FORMAT) as t:
        for entry in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, entry), arcname=entry)
    layer = blob(layer_tar.getvalue(), "application/vnd.oci.image.layer.v1.tar")
    arch = ARCHES.get(platform.machine(), platform.machine())

    manifests = []
    for image in images:
        name, _, argv = image.partition("=")
        process = {"Entrypoint": argv.split()} if argv else {"Cmd": ["/bin/sh"]}
        process["Env"] = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]
        config = {"architecture": arch, "os": "linux", "config": process,
                  "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}}
        manifest = {"schemaVersion": 2,
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": blob(json.dumps(config).encode(),
                                   "application/vnd.oci.image.config.v1+json"),
                    "layers": [layer]}
        descriptor = blob(json.dumps(manifest).encode(), manifest["mediaType"])
        descriptor["platform"] = {"architecture": arch, "os": "linux"}
        descriptor["annotations"] = {"io.containerd.image.name": name,
                                     "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]}
        manifests.append(descriptor)

    def add(t, path, data):
        info = tarfile.TarInfo(path)
        info.size, info.mode = len(data), 0o644
        t.addfile(info, io.BytesIO(data))

    with tarfile.open(out, "w") as t:
        add(t, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        add(t, "index.json", json.dumps({"schemaVersion": 2, "manifests": manifests}).encode())
        for digest, data in blobs.items():
            add(t, "blobs/sha256/" + digest, data)


if __name__ == "__main__":
    main()
