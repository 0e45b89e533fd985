#!/usr/bin/env bash
# render-nginx.sh TEMPLATE — print TEMPLATE with each @NAME@ replaced by
# the environment variable NAME. A placeholder left without a value is an
# error: a half-rendered gateway configuration never reaches nginx.
set -euo pipefail
tpl=$1
out=$(cat "$tpl")
for name in $(grep -o '@[A-Z_]*@' "$tpl" | sort -u | tr -d @); do
	if [ -z "${!name+set}" ]; then
		echo "render-nginx: $name is not set" >&2
		exit 1
	fi
	out=${out//@$name@/${!name}}
done
printf '%s\n' "$out"
