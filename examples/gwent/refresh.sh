#!/bin/sh
# Re-run the ingests for the five Gwent partnerships (and examples/newport, which is Newport's folder again).
#
#   examples/gwent/refresh.sh [-n NEIGHBOURHOODS_FOLDER] POLICE_UK_FOLDER [ONS_WORKBOOK POPULATIONS_XLSX]
#
# NEIGHBOURHOODS_FOLDER: the small-area files, named as ONS and the Welsh Government publish them (see
# README.md): with it, each partnership's neighbourhoods/ is written first (ingest neighbourhoods).
# POLICE_UK_FOLDER: police.uk street-level files (or folders of them) for Gwent Police; every
# partnership's actuals.csv is refreshed from them (months already there are replaced, new months
# added), and, with neighbourhoods/, its counts by small area and its gap measure.
# With the ONS CSP workbook and the ONS mid-year population workbook as well, every
# family_group.csv is refreshed too, each partnership with the other four as its peers.
#
# Works from any current directory. csp-report is taken from the project's .venv
# when there is one, else from PATH; set CSP_REPORT to use another.
set -eu

usage() {
    echo "usage: $0 [-n NEIGHBOURHOODS_FOLDER] POLICE_UK_FOLDER [ONS_WORKBOOK POPULATIONS_XLSX]" >&2
    exit 2
}

hoods=""
if [ "${1:-}" = "-n" ]; then
    [ $# -ge 2 ] || usage
    hoods=$2
    shift 2
fi
if [ $# -ne 1 ] && [ $# -ne 3 ]; then
    usage
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

for folder in "$here/blaenau-gwent" "$here/caerphilly" "$here/monmouthshire" "$here/newport" "$here/torfaen" \
    "$root/examples/newport"; do
    # The partnership's name exactly as measures.yml (and the ONS lookup) spells it.
    name=$(sed -n 's/^partnership:[[:space:]]*//p' "$folder/measures.yml")
    if [ -n "$hoods" ]; then
        "$csp" ingest neighbourhoods --partnership "$name" --data "$folder" \
            --population "$hoods/ew_lsoa21_population_mid2022.csv" \
            --areas "$hoods/gwent_lsoa21_msoa21_ward24_lad24_csp24_pfa24.csv" \
            --boundaries "$hoods/gwent_lsoa21_bsc.geojson" \
            --wards "$hoods/gwent_wards22_bsc.geojson" \
            --lsoa-lookup "$hoods/gwent_lsoa11_to_lsoa21_ltla22.csv" \
            --deprivation "$hoods/wimd2019_wales_lsoa11.csv"
    fi
    "$csp" ingest police-uk "$police" --partnership "$name" --data "$folder"
    if [ -n "$workbook" ]; then
        peers=""
        for other in "Blaenau Gwent" Caerphilly Monmouthshire Newport Torfaen; do
            [ "$other" = "$name" ] || peers="${peers:+$peers,}$other"
        done
        "$csp" ingest ons-csp "$workbook" --partnership "$name" --peers "$peers" \
            --populations "$populations" --data "$folder"
    fi
done
for folder in blaenau-gwent caerphilly monmouthshire newport torfaen; do
    "$csp" validate --data "$here/$folder" >/dev/null
done
"$csp" validate --data "$root/examples/newport" >/dev/null
echo "All five Gwent partnerships (and examples/newport) refreshed and valid."
