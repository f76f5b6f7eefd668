// Package deploy holds the files that install Varco — the systemd units
// (systemd/) and the container images (Dockerfile, Dockerfile.scanner) —
// and the test that checks them as far as this machine can: the units
// with systemd-analyze verify against binaries built with the documented
// flags, the images' build commands run without Docker.
package deploy
