#!/usr/bin/env bash
# build.sh — the images the tests run, built locally (nothing can be
# pulled here): openpanel-test/busybox:1, FROM scratch with Debian's
# static busybox. Prints the image names it built.
set -euo pipefail
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# docker build, quiet unless it fails.
build() {
	local tag=$1 ctx=$2
	if ! docker build -q -t "$tag" "$ctx" >"$ctx.log" 2>&1; then
		cat "$ctx.log" >&2
		return 1
	fi
	echo "$tag"
}
cp /bin/busybox "$dir/busybox"
cat > "$dir/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN ["/bin/mkdir", "-p", "/tmp", "/data", "/www"]
CMD ["/bin/sh"]
DOCKERFILE
build openpanel-test/busybox:1 "$dir"

# openpanel-test/redis:7 — the host's redis-server and redis-cli with the
# libraries they link, and busybox for the shell the health check runs.
dir2=$(mktemp -d)
trap 'rm -rf "$dir" "$dir2" "$dir.log" "$dir2.log"' EXIT
mkdir -p "$dir2/root/bin" "$dir2/root/usr/bin" "$dir2/root/data" "$dir2/root/tmp"
cp /bin/busybox "$dir2/root/bin/busybox"
for b in /usr/bin/redis-server /usr/bin/redis-cli; do
	cp -L "$b" "$dir2/root/usr/bin/$(basename "$b")"
	for lib in $(ldd "$b" | grep -o '/[^ ]*'); do
		mkdir -p "$dir2/root$(dirname "$lib")"
		cp -L "$lib" "$dir2/root$lib"
	done
done
cat > "$dir2/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY root/ /
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENV PATH=/usr/bin:/bin
CMD ["redis-server"]
DOCKERFILE
build openpanel-test/redis:7 "$dir2"
