# Sourced by the setup scripts: run one step, saying what it does before and how long it took.
step() {
  local what=$1 start=$SECONDS
  shift
  echo "==> ${what}" >&2
  "$@"
  echo "    done in $((SECONDS - start)) s" >&2
}
