# The prologue of petrel's root-only integration tests: source it with the
# name of the script's skip (`. "$top/tests/lib/integration.sh" NAME`). It
# resolves $PETREL (default: $top_builddir/petrel, else build/petrel), loads
# tap.sh, skips the whole script when not root, and loads bundle.sh.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PETREL=${PETREL:-${top_builddir:-$top/build}/petrel}
[[ $PETREL == /* ]] || PETREL=$PWD/$PETREL
export PETREL
. "$top/tests/lib/tap.sh"

if [ "$(id -u)" != 0 ]; then
	skip "$1" "needs root"
	tap_done
	exit
fi
. "$top/tests/lib/bundle.sh"
