#!/usr/bin/env bash
# The man pages (TAP): each command has a page, made from docs/man/*.8.md and
# installed by Makefile.am; each page renders without a warning; every long
# flag of `petrel [COMMAND] --help` has an entry in the page's OPTIONS (the
# global ones in petrel(8)'s GLOBAL OPTIONS) and every entry there is a real
# flag; and, when go-md2man is installed, each committed docs/*.8 is what
# go-md2man makes from its Markdown source, so the two never drift.
# Needs no root. $PETREL (default: $top_builddir/petrel, else build/petrel)
# is the binary whose --help is checked.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
PETREL=${PETREL:-${top_builddir:-$top/build}/petrel}
. "$top/tests/lib/tap.sh"
export LC_ALL=C.UTF-8
docs=$top/docs

# The commands petrel lists in its --help.
commands=()
if [ -x "$PETREL" ]; then
	mapfile -t commands < <("$PETREL" --help |
		awk '/^COMMANDS:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF { print $1 }')
fi

# page COMMAND: the page's name (petrel.8 for the global options).
page() {
	if [ -n "$1" ]; then echo "petrel-$1.8"; else echo petrel.8; fi
}

# help_flags COMMAND: the long flags of `petrel [COMMAND] --help`, one a line.
help_flags() {
	local section=OPTIONS
	[ -z "$1" ] && section="GLOBAL OPTIONS"
	# shellcheck disable=SC2086 # no command: the main help
	"$PETREL" $1 --help | awk -v s="$section:" '
		$0 == s { on = 1; next }
		/^[^ ]/ { on = 0 }
		on && $1 ~ /^--/ { sub(/,$/, "", $1); print $1 }' | sort -u
}

# page_flags PAGE SECTION: the long flags that head an entry (a .TP tag) in
# SECTION of the man page PAGE, one a line.
page_flags() {
	awk -v s="$2" '
		/^\.SH / { t = $0; sub(/^\.SH +/, "", t); gsub(/"/, "", t); on = (t == s); next }
		on && tag {
			gsub(/\\-/, "-")
			while (match($0, /--[a-z0-9][a-z0-9-]*/)) {
				print substr($0, RSTART, RLENGTH)
				$0 = substr($0, RSTART + RLENGTH)
			}
		}
		{ tag = on && /^\.TP/ }' "$1" | sort -u
}

# --------------------------------------------------- every page, everywhere
mapfile -t sources < <(cd "$docs/man" && ls -- *.8.md 2>/dev/null)
if [ ${#sources[@]} -eq 0 ]; then
	fail "docs/man holds the Markdown sources of the man pages" "no docs/man/*.8.md"
fi
for cmd in "" "${commands[@]}"; do
	p=$(page "$cmd")
	missing=()
	[ -f "$docs/man/$p.md" ] || missing+=("docs/man/$p.md")
	[ -f "$docs/$p" ] || missing+=("docs/$p")
	grep -Eq "(^|[[:space:]=])docs/$p([[:space:]\\\\]|\$)" "$top/Makefile.am" || missing+=("docs/$p in Makefile.am's dist_man8_MANS")
	if [ ${#missing[@]} -eq 0 ]; then
		ok "${cmd:-petrel}: its page has a source and is installed"
	else
		fail "${cmd:-petrel}: its page has a source and is installed" "missing: ${missing[*]}"
	fi
done
for src in "${sources[@]}"; do
	p=${src%.md}
	name=${p%.8}
	cmd=${name#petrel}
	cmd=${cmd#-}
	if [ ${#commands[@]} -gt 0 ] && [ -n "$cmd" ] &&
		! printf '%s\n' "${commands[@]}" | grep -qx -- "$cmd"; then
		fail "docs/man/$src: petrel has a command $cmd" "petrel --help lists no \"$cmd\""
	fi
done

# ------------------------------------------------- (a) rendering, no warning
if ! command -v groff >/dev/null || ! command -v man >/dev/null; then
	skip "the man pages render without warnings" "groff or man is not installed (groff-base, man-db)"
else
	for src in "${sources[@]}"; do
		p=${src%.md}
		[ -f "$docs/$p" ] || continue
		out=$( {
			groff -man -ww -z "$docs/$p"
			MANWIDTH=80 man --warnings=w -l "$docs/$p" >/dev/null
		} 2>&1)
		if [ -z "$out" ]; then
			ok "docs/$p: renders without warnings"
		else
			fail "docs/$p: renders without warnings" "$(printf '%s\n' "$out" | head -n 8)"
		fi
	done
fi

# ------------------------------------------------ (b) every flag documented
if [ ! -x "$PETREL" ]; then
	skip "every flag has an entry in its page" "no petrel binary at $PETREL"
else
	for cmd in "" "${commands[@]}"; do
		p=$(page "$cmd")
		[ -f "$docs/$p" ] || continue
		section=OPTIONS
		[ -z "$cmd" ] && section="GLOBAL OPTIONS"
		have=$(help_flags "$cmd")
		documented=$(page_flags "$docs/$p" "$section")
		undocumented=$(comm -23 <(printf "%s\n" "$have") <(printf "%s\n" "$documented") | tr "\n" " " | sed "s/ *$//")
		unknown=$(comm -13 <(printf "%s\n" "$have") <(printf "%s\n" "$documented") | tr "\n" " " | sed "s/ *$//")
		if [ -z "$have" ]; then
			fail "docs/$p: $section documents every flag of petrel ${cmd:+$cmd }--help" \
				"no flags found in petrel ${cmd:+$cmd }--help"
		elif [ -z "$undocumented$unknown" ]; then
			ok "docs/$p: $section documents every flag of petrel ${cmd:+$cmd }--help"
		else
			fail "docs/$p: $section documents every flag of petrel ${cmd:+$cmd }--help" \
				${undocumented:+"not in the page: $undocumented"} \
				${unknown:+"in the page but not in --help: $unknown"}
		fi
	done
fi

# ------------------------------------------ (c) committed pages = generated
if ! command -v go-md2man >/dev/null; then
	skip "the committed pages are go-md2man's output of docs/man/*.8.md" \
		"go-md2man is not installed (Debian package go-md2man)"
else
	for src in "${sources[@]}"; do
		p=${src%.md}
		if diff=$(go-md2man -in "$docs/man/$src" | diff -u "$docs/$p" - 2>&1); then
			ok "docs/$p: is go-md2man's output of docs/man/$src"
		else
			fail "docs/$p: is go-md2man's output of docs/man/$src" \
				"regenerate it: go-md2man -in docs/man/$src -out docs/$p (or make update-man)" \
				"$(printf '%s\n' "$diff" | head -n 12)"
		fi
	done
fi

tap_done
