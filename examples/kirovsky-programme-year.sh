#!/bin/sh
# The Kirovsky example's programme year (README, "The programme year"): its programme with the
# stages of seed 003, its roadmap for 2022-2023 from the yearly template, routes for its
# teachers, and the 2021-22 partnership order drafted again and signed. Run it against a server
# with examples/kirovsky and examples/kirovsky-2023 imported and the pairs approved:
#
#   peerlift import examples/kirovsky && peerlift import examples/kirovsky-2023
#   peerlift match -m kirovsky --kind pairs && peerlift approve -m kirovsky RUN --effective-date 2022-10-20
#   sh examples/kirovsky-programme-year.sh
#
# tests/programme.rs runs these commands and checks they are the README's.
set -e
peerlift programme add rip -m kirovsky --title "Сетевое наставничество" \
  --goal "не менее 80% положительных отметок по ВПР и ОГЭ" \
  --stage "подготовительный:2020-12-01:2021-10-12" --stage "практический:2021-10-13:2022-08-31" \
  --stage "обобщающий:2022-09-01:2023-05-31" \
  --target positive_share:2022-2023:80:oge --target positive_share:2022-2023:80:vpr \
  --target low_result_schools:2023-2024:0 --target participation:2022-2023:30
peerlift programme show rip -m kirovsky --svg rip.svg
peerlift roadmaps add roadmap-2022 -m kirovsky --title "Дорожная карта на 2022-2023 учебный год" \
  --programme rip --template network-year:2022
peerlift roadmaps item roadmap-2022 2 -m kirovsky --status done --done-on 2022-10-10 --evidence "распоряжение № 277"
peerlift routes draft -m kirovsky --programme rip
peerlift routes list -m kirovsky --overdue
peerlift report network -m kirovsky --svg network.svg
peerlift documents render partnership-order 2021-2022 -m kirovsky --number 263 --date 2021-10-12 --out order-263.html
peerlift documents sign partnership-order 2021-2022 -m kirovsky --number 263 --date 2021-10-12
peerlift documents render annual-report rip --year 2022-2023 -m kirovsky --out report-2022-2023.html
