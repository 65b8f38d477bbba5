#!/bin/sh
# Re-run the ingests for the five Gwent partnerships.
#
#   examples/gwent/refresh.sh POLICE_UK_FOLDER [ONS_WORKBOOK POPULATIONS_XLSX]
#
# POLICE_UK_FOLDER: police.uk street-level files (or folders of them) for Gwent
# Police; every partnership's actuals.csv is refreshed from them (months already
# there are replaced, new months added). With the ONS CSP workbook and the ONS
# mid-year population workbook as well, every family_group.csv is refreshed too,
# each partnership with the other four as its peers.
#
# Works from any current directory. csp-report is taken from the project's .venv
# when there is one, else from PATH; set CSP_REPORT to use another.
set -eu

if [ $# -ne 1 ] && [ $# -ne 3 ]; then
    echo "usage: $0 POLICE_UK_FOLDER [ONS_WORKBOOK POPULATIONS_XLSX]" >&2
    exit 2
fi

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
root=$(CDPATH= cd -- "$here/../.." && pwd)
if [ -n "${CSP_REPORT:-}" ]; then
    csp=$CSP_REPORT
elif [ -x "$root/.venv/bin/csp-report" ]; then
    csp=$root/.venv/bin/csp-report
else
    csp=csp-report
fi

police=$1
workbook=${2:-}
populations=${3:-}

for folder in blaenau-gwent caerphilly monmouthshire newport torfaen; do
    # The partnership's name exactly as measures.yml (and the ONS lookup) spells it.
    name=$(sed -n 's/^partnership:[[:space:]]*//p' "$here/$folder/measures.yml")
    "$csp" ingest police-uk "$police" --partnership "$name" --data "$here/$folder"
    if [ -n "$workbook" ]; then
        peers=""
        for other in "Blaenau Gwent" Caerphilly Monmouthshire Newport Torfaen; do
            [ "$other" = "$name" ] || peers="${peers:+$peers,}$other"
        done
        "$csp" ingest ons-csp "$workbook" --partnership "$name" --peers "$peers" \
            --populations "$populations" --data "$here/$folder"
    fi
done
for folder in blaenau-gwent caerphilly monmouthshire newport torfaen; do
    "$csp" validate --data "$here/$folder" >/dev/null
done
echo "All five Gwent partnerships refreshed and valid."
