#!/usr/bin/env bash
# Stands in for the `code` executable that @vscode/test-electron launches: forwards --extensionDevelopmentPath and
# --extensionTestsPath to the code-server extension-host runner (needs CODE_SERVER_BIN, or .cache/code-server).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export CODE_SERVER_BIN=${CODE_SERVER_BIN:-$here/../../.cache/code-server/node_modules/.bin/code-server}
args=()
for a in "$@"; do
  case $a in --extensionDevelopmentPath=*|--extensionTestsPath=*) args+=("$a") ;; esac
done
exec node "$here/exthost.mjs" "${args[@]}"
