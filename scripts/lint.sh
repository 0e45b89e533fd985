#!/usr/bin/env bash
# lint.sh — `make lint`: the banned-function list and cppcheck over lib/,
# fcgi/ and cli/. Prints "lint: N passed, N failed".
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
pass=0 fail=0
# Unbounded, unchecked or shell-spawning calls: each has a bounded twin.
BANNED='\b(sprintf|vsprintf|strcpy|strcat|strncpy|strncat|gets|atoi|atol|atoll|system|popen|tmpnam|mktemp|rand|alloca)\s*\('
if hits=$(grep -nE "$BANNED" lib/*.c lib/*.h fcgi/*/*.c fcgi/*/*.h cli/*.c cli/*.h); then
	echo "banned functions:"; echo "$hits"; fail=$((fail + 1))
else
	pass=$((pass + 1))
fi
if command -v cppcheck >/dev/null; then
	if cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,portability \
	    --inline-suppr -Ilib -D_GNU_SOURCE --suppress=missingIncludeSystem \
	    --library=scripts/cppcheck/jansson.cfg \
	    lib fcgi cli 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
fi
echo "lint: $pass passed, $fail failed"
[ $fail -eq 0 ]
