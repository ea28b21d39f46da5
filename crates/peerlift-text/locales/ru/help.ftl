# Russian for the command line's --help. The English is in the doc comments of src/cli (what
# clap shows); each entry carries it in an "en:" comment, and a test checks that every command
# and option has an entry here whose English is still the English shown (so a changed help
# text fails the test until it is translated again).
#
# help-<command path> is a command's description; help--<option> an option's help wherever
# it has that English; help-<command path>--<option> an option whose help differs there.

## Commands

# en: Peer-to-peer mentoring networks between schools: the gRPC service and its CLI
help-peerlift = Сети взаимного наставничества между школами: gRPC-сервис и его командная строка
# en: Run the gRPC server (embedded store, health, reflection)
help-serve = Запустить gRPC-сервер (встроенное хранилище, health, reflection)
# en: Bearer tokens: create (the secret is shown once), list, revoke. With --data-dir on the store directly (server stopped; how the first admin token is made), otherwise through the API with an admin token
help-token = Токены доступа: создать (секрет показывается один раз), показать, отозвать. С --data-dir — прямо в хранилище (сервер остановлен; так создаётся первый токен администратора), иначе через API с токеном администратора
# en: Create a token; prints its secret once
help-token-create = Создать токен; его секрет печатается один раз
# en: List tokens (never their secrets)
help-token-list = Показать токены (без секретов)
# en: Revoke a token at once
help-token-revoke = Немедленно отозвать токен
# en: The audit log: every acknowledged write, who made it, when, with which request id
help-audit = Журнал аудита: каждая подтверждённая запись — кто, когда, с каким идентификатором запроса
# en: Prove the audit log's hash chain on the store (server stopped): every entry unchanged, none removed; says where it breaks, exits 1 if it does. Prints the head's hash: note it down elsewhere, and a log rewritten whole shows against it
help-audit-verify = Проверить цепочку хешей журнала аудита в хранилище (сервер остановлен): ни одна запись не изменена и не удалена; говорит, где цепочка рвётся, и тогда завершается с кодом 1. Печатает хеш головы: запишите его в другом месте, и журнал, переписанный целиком, будет виден по нему
# en: Export a municipality's data for sharing: CSV files with teachers pseudonymised (stable keyed pseudonyms, no names, no free text)
help-export = Выгрузить данные муниципалитета для передачи: CSV-файлы с псевдонимами учителей (устойчивые псевдонимы по ключу, без имён и свободного текста)
# en: Erase a departed teacher's personal data (name, free-text notes), keeping the anonymous history that reports count
help-erase-teacher = Стереть персональные данные ушедшего учителя (имя, свободные заметки), сохранив обезличенную историю для отчётов
# en: The nightly rematch policy of a municipality: show it, or change the given parts
help-policy = Правила ночного пересчёта муниципалитета: показать или изменить указанные части
# en: Run the nightly rematch now (--now), or show its history
help-rematch = Выполнить ночной пересчёт сейчас (--now) или показать его историю
# en: Import CSV files (or directories of them) into a running server
help-import = Загрузить CSV-файлы (или каталоги с ними) в работающий сервер
# en: Municipalities
help-municipalities = Муниципалитеты
# en: List municipalities
help-municipalities-list = Показать муниципалитеты
# en: Schools of a municipality
help-schools = Школы муниципалитета
# en: List schools with their active teacher counts
help-schools-list = Показать школы с числом активных учителей
# en: Teachers of a municipality
help-teachers = Учителя муниципалитета
# en: List teachers
help-teachers-list = Показать учителей
# en: Show one teacher: school, subjects, mentor profile, diagnostics
help-teachers-show = Показать учителя: школа, предметы, профиль наставника, диагностики
# en: The catalogue of subjects, competence areas and directions in force for a municipality
help-catalog = Действующий в муниципалитете справочник предметов, областей компетенций и направлений
# en: Write the whole store to FILE (line format, see README). The server must be stopped
help-backup = Записать всё хранилище в FILE (построчный формат, см. README). Сервер должен быть остановлен
# en: Restore a backup FILE into the store directory. The server must be stopped
help-restore = Восстановить резервную копию FILE в каталог хранилища. Сервер должен быть остановлен
# en: Compute a matching: a proposal (or a dry run) with every pair's score
help-match = Рассчитать подбор: предложение (или пробный расчёт) с оценкой каждой пары
# en: Approve a proposed run: apply its whole diff
help-approve = Утвердить предложенный запуск: применить все его изменения
# en: Reject a proposed run
help-reject = Отклонить предложенный запуск
# en: Match runs: list them, or show one: its summary, then a page of its pairs (or of its unmatched demands, or of its changes), filtered
help-runs = Запуски подбора: список или один запуск — сводка, затем страница его пар (или потребностей без наставника, или изменений) с отбором
# en: The active network: statistics, or the graph as DOT, GraphML or JSON
help-network = Действующая сеть: статистика или граф в DOT, GraphML или JSON
# en: Mentorships: list, lock, unlock, end, veto
help-mentorships = Наставничества: список, закрепить, открепить, завершить, вето
# en: Active mentorships (--all: ended ones too)
help-mentorships-list = Действующие наставничества (--all — и завершённые)
# en: Lock a mentorship: every run keeps it
help-mentorships-lock = Закрепить наставничество: каждый запуск его сохраняет
# en: Unlock a mentorship: runs may change it again
help-mentorships-unlock = Открепить наставничество: запуски снова могут его менять
# en: End a mentorship
help-mentorships-end = Завершить наставничество
# en: Veto a pair: it is never proposed again
help-mentorships-veto = Наложить вето на пару: она больше не будет предложена
# en: Exported matching problems (`match --export-problem`): check one, or convert it for an independent solver. Works on the file alone, no server
help-problem = Выгруженные задачи подбора (`match --export-problem`): проверить или преобразовать для независимого решателя. Работает только с файлом, без сервера
# en: Checks the file's claims: the assignment uses arcs and keeps every capacity, the objective is the sum of its arcs, and the duals cover every arc and bound the objective exactly (which proves it optimal without a solver). FILE may be gzipped
help-problem-check = Проверяет утверждения файла: назначение использует дуги и соблюдает все ёмкости, цель равна сумме его дуг, а двойственные цены покрывают каждую дугу и точно ограничивают цель (что доказывает оптимальность без решателя). FILE может быть сжат gzip
# en: Writes the problem as a DIMACS min-cost-flow instance (the input of LEMON, OR-Tools and most network solvers); its minimum cost is minus the maximum weight
help-problem-dimacs = Записывает задачу как задачу потока минимальной стоимости в формате DIMACS (вход LEMON, OR-Tools и большинства сетевых решателей); её минимальная стоимость равна максимальному весу со знаком минус
# en: Sessions of a teacher, a school or a mentorship (table, or iCalendar with --ics); propose and accept schedules; scheduling settings
help-schedule = Встречи учителя, школы или наставничества (таблица или iCalendar с --ics); предложить и принять расписание; настройки расписания
# en: Propose the sessions every active mentorship is due over the next weeks
help-schedule-propose = Предложить встречи, положенные каждому действующему наставничеству на ближайшие недели
# en: Accept a proposal: every item, or the ones listed
help-schedule-accept = Принять предложение: целиком или перечисленные пункты
# en: Show the scheduling settings, or change them
help-schedule-settings = Показать настройки расписания или изменить их
# en: Sessions: create one by hand, record it as held or missed, cancel it
help-sessions = Встречи: создать вручную, отметить проведённой или пропущенной, отменить
# en: Plan a session by hand (kind and length from the form's defaults unless given)
help-sessions-create = Запланировать встречу вручную (вид и длительность по умолчанию из формы, если не заданы)
# en: Record a session as held (with attendance and feedback) or missed
help-sessions-record = Отметить встречу проведённой (с посещаемостью и отзывом) или пропущенной
# en: Cancel a planned session (it stays, marked cancelled; calendars drop it)
help-sessions-cancel = Отменить запланированную встречу (она остаётся с пометкой об отмене; календари её убирают)
# en: Progress since re-diagnosis of a mentorship, a mentor, a school or a teacher
help-progress = Прогресс после повторной диагностики: наставничества, наставника, школы или учителя
# en: Reports: coverage, load, sessions, progress, outcomes (table; --csv; --svg FILE)
help-report = Отчёты: охват, нагрузка, встречи, прогресс, итоги (таблица; --csv; --svg FILE)
# en: Benchmark the matcher at municipality, region and nation scale (figures as Markdown)
help-bench = Замерить подбор в масштабе муниципалитета, региона и страны (цифры в Markdown)
# en: Drive many concurrent clients against a local server (auth and limits on) for a bounded time, with a rematch in the middle; prints throughput, p50/p99 and errors
help-loadtest = Нагрузить локальный сервер множеством одновременных клиентов (с проверкой токенов и лимитами) на ограниченное время, с пересчётом посередине; печатает пропускную способность, p50/p99 и ошибки
# en: Generate example data
help-gen = Создать примерные данные
# en: Synthetic data at scale (municipality, region or nation), one directory of import CSVs per municipality
help-gen-synthetic = Синтетические данные в масштабе (муниципалитет, регион или страна), по каталогу CSV для загрузки на муниципалитет
# en: The Kirovsky district example (real schools and partnerships, generated staff)
help-gen-kirovsky = Пример Кировского района (настоящие школы и партнёрства, сгенерированные сотрудники)

# en: Start with `peerlift serve`, then `peerlift import examples/kirovsky`.
help-peerlift-after = Начните с `peerlift serve`, затем `peerlift import examples/kirovsky`.

## Options, wherever their help is this

# en: Server address
help--addr = Адрес сервера
# en: Include inactive teachers
help--all = Включая неактивных учителей
# en: Who came (default: everyone)
help--attended = Кто пришёл (по умолчанию все)
# en: Apply each night's result
help--auto_approve = Применять результат каждой ночи
# en: CA certificate (PEM) of a TLS server; use an https:// address with it
help--ca_cert = Сертификат УЦ (PEM) сервера с TLS; используйте с ним адрес https://
# en: Changes: only kept, added or ended
help--change = Изменения: только сохранённые, добавленные или завершённые
# en: A checklist item, "item" (done) or "item=no"; repeat
help--checks = Пункт чек-листа: "пункт" (выполнен) или "пункт=no"; можно повторять
# en: The most mentorships a run may end for a gain: a count (3) or a share (5%)
help--churn_budget = Сколько наставничеств запуск может завершить ради выигрыша: число (3) или доля (5%)
# en: Client certificate (PEM) for a server that requires mutual TLS
help--client_cert = Сертификат клиента (PEM) для сервера, требующего взаимного TLS
# en: Key (PEM) of the client certificate
help--client_key = Ключ (PEM) сертификата клиента
# en: The mentee's reflection
help--comment = Рефлексия наставляемого
# en: TOML configuration file
help--config = Файл настроек TOML
# en: TCP connections the clients share
help--connections = Сколько TCP-соединений делят клиенты
# en: The continuity weight (points for keeping an existing pair)
help--continuity = Вес преемственности (баллы за сохранение существующей пары)
# en: CSV on standard output instead of a table
help--csv = CSV в стандартный вывод вместо таблицы
# en: Store directory [default: ./peerlift-data; env PEERLIFT_DATA_DIR]
help--data_dir = Каталог хранилища [по умолчанию: ./peerlift-data; переменная PEERLIFT_DATA_DIR]
# en: Check and report, write nothing
help--dry_run = Проверить и сообщить, ничего не записывая
# en: The date the pairs start (default today), e.g. 2022-11-01 for pairs working since
help--effective_date = Дата начала пар (по умолчанию сегодня), например 2022-11-01 для пар, работающих с тех пор
# en: The head hash noted down earlier: the chain must still contain it
help--expect_head = Записанный ранее хеш головы: цепочка должна его содержать
# en: Days until it expires (0: never)
help--expires_in_days = Через сколько дней истекает (0 — никогда)
# en: Print each pair's score terms and why demands stay unmatched
help--explain = Печатать слагаемые оценки каждой пары и почему потребности остались без наставника
# en: Also write the (first) region's whole teacher-pair problem to FILE, in the export shape (gzipped for .gz), for an independent solver (bench/independent.sh)
help--export = Также записать всю задачу пар учителей (первого) региона в FILE в формате выгрузки (gzip для .gz) для независимого решателя (bench/independent.sh)
# en: Write the whole problem solved to FILE as JSON, gzipped when FILE ends in .gz (README: "Checking optimality"); streamed, any size
help--export_problem = Записать всю решённую задачу в FILE как JSON, сжатый gzip, если FILE оканчивается на .gz (README: «Checking optimality»); потоком, любого размера
# en: Directory with kirovsky-district.json and labinsk-deficits.csv [default: ../shared/fixtures beside the source tree]
help--fixtures = Каталог с kirovsky-district.json и labinsk-deficits.csv [по умолчанию: ../shared/fixtures рядом с исходным кодом]
# en: Output directory of the second round (spring 2023 re-diagnosis, new statuses)
help--followup_out = Каталог второго этапа (повторная диагностика весны 2023 года, новые статусы)
# en: Write the graph in this format (default: print the statistics)
help--format = Записать граф в этом формате (по умолчанию — напечатать статистику)
# en: Sessions from this date
help--from = Встречи с этой даты
# en: Integration grants, repeatable: sessions:write, reports:read, ...
help--grants = Права интеграции, можно повторять: sessions:write, reports:read, ...
# en: Instead: grouping quality against the exhaustive best on small instances
help--grouping = Вместо этого: качество группировки против полного перебора на малых задачах
# en: Print the table header
help--header = Напечатать заголовок таблицы
# en: Write iCalendar (RFC 5545) instead of a table
help--ics = Записать iCalendar (RFC 5545) вместо таблицы
# en: Token id (tok-…)
help--id = Идентификатор токена (tok-…)
# en: Also write the installation's secrets (the key of export pseudonyms), so a restored store gives the same pseudonyms. The file (owner-only) then links pseudonyms to ids: keep it as safe as the data directory
help--include_secrets = Записать и секреты установки (ключ псевдонимов выгрузки), чтобы восстановленное хранилище давало те же псевдонимы. Тогда файл (доступ только владельцу) связывает псевдонимы с идентификаторами: храните его так же надёжно, как каталог данных
# en: DEVELOPMENT ONLY: no tokens, every caller is an admin of everything
help--insecure_no_auth = ТОЛЬКО ДЛЯ РАЗРАБОТКИ: без токенов, любой вызывающий — администратор всего
# en: Print the figures as one JSON object instead of a table row
help--json = Напечатать цифры одним объектом JSON вместо строки таблицы
# en: What to match
help--kind = Что подбирать
# en: Kinds to run, e.g. pairs,schools
help--kinds = Какие виды запускать, например pairs,schools
# en: What the token is for
help--label = Для чего токен
# en: Language of what the command prints: en or ru [default: from PEERLIFT_LANG, LC_ALL, LC_MESSAGES or LANG; ru_RU.UTF-8 speaks Russian]
help--lang = Язык вывода команды: en или ru [по умолчанию: из PEERLIFT_LANG, LC_ALL, LC_MESSAGES или LANG; ru_RU.UTF-8 — русский]
# en: Only this level of deficit (a, b or c)
help--level = Только этот уровень дефицита (a, b или c)
# en: Deficit levels that make a demand [default: a,b]
help--levels = Уровни дефицита, образующие потребность [по умолчанию: a,b]
# en: At most this many
help--limit = Не больше стольких
# en: What to list after the summary
help--list = Что перечислить после сводки
# en: Address to listen on [default: 127.0.0.1:50051; env PEERLIFT_LISTEN]
help--listen = Адрес для приёма соединений [по умолчанию: 127.0.0.1:50051; переменная PEERLIFT_LISTEN]
# en: Log format [default: text; env PEERLIFT_LOG_FORMAT]
help--log_format = Формат журнала [по умолчанию: text; переменная PEERLIFT_LOG_FORMAT]
# en: Opt-in: keep only each demand's best N arcs. The run is then NOT guaranteed optimal (it says so); without it the whole problem is solved and proven optimal
help--max_candidates = По желанию: оставить у каждой потребности только N лучших дуг. Тогда оптимальность запуска НЕ гарантирована (он так и скажет); без этого решается вся задача и оптимальность доказывается
# en: Only mentees of this municipality (a region's run)
help--mentees_in = Только наставляемые этого муниципалитета (запуск по региону)
# en: A mentorship's sessions
help--mentorship = Встречи наставничества
# en: Replace the methodical days ("thu 13:00-17:00"; repeat for several)
help--methodical_days = Заменить методические дни ("thu 13:00-17:00"; повторите для нескольких)
# en: Municipality id
help--municipality = Идентификатор муниципалитета
# en: No online pairs
help--no_online = Без онлайн-пар
# en: Do not run the nightly rematch scheduler [env PEERLIFT_SCHEDULER=false]
help--no_scheduler = Не запускать ночной пересчёт по расписанию [переменная PEERLIFT_SCHEDULER=false]
# en: Add a non-working day (2026-12-31; repeat for several)
help--non_working = Добавить нерабочий день (2026-12-31; повторите для нескольких)
# en: The mentor's notes
help--notes = Заметки наставника
# en: Write to FILE instead of standard output
help--out = Записать в FILE вместо стандартного вывода
# en: text (tables for a person) or json (the API's messages, for scripts)
help--output = text (таблицы для человека) или json (сообщения API, для скриптов)
# en: Rows a page [default: 100, at most 1000]
help--page_size = Строк на странице [по умолчанию: 100, не больше 1000]
# en: The page a previous call pointed to
help--page_token = Страница, на которую указал предыдущий вызов
# en: Files (schools.csv, teachers.csv, mentor_profiles.csv, diagnostics.csv, municipality.csv) or directories holding them
help--paths = Файлы (schools.csv, teachers.csv, mentor_profiles.csv, diagnostics.csv, municipality.csv) или каталоги с ними
# en: The proposal (sp-…, as `schedule propose` printed it), or `latest`
help--proposal = Предложение (sp-…, как его напечатал `schedule propose`) или `latest`
# en: Leave each night's result as a proposal for the office
help--proposal_only = Оставлять результат каждой ночи предложением для методической службы
# en: The mentee's rating, 1-5
help--rating = Оценка наставляемого, 1-5
# en: Closed-loop reading clients, each with its own token
help--readers = Читающие клиенты с замкнутым циклом, у каждого свой токен
# en: Why it was missed
help--reason = Почему пропущена
# en: Instead of a municipality: every municipality of this region (pairs across municipalities online only); approve the run with `-m region:NAME`
help--region = Вместо муниципалитета — все муниципалитеты этого региона (пары между муниципалитетами только онлайн); утверждайте запуск с `-m region:ИМЯ`
# en: Instead: a region's nightly rematch after a day of re-diagnosis (2%), against a cold solve
help--rematch = Вместо этого: ночной пересчёт региона после дня повторной диагностики (2%) против решения с нуля
# en: Replace a store that already holds data
help--replace = Заменить хранилище, в котором уже есть данные
# en: admin, coordinator, methodologist, school, curator or integration
help--role = admin, coordinator, methodologist, school, curator или integration
# en: The run (run-…, as `peerlift match` printed it), or `latest` for the newest proposed run
help--run_id = Запуск (run-…, как его напечатал `peerlift match`) или `latest` — последний предложенный
# en: Cron expression in the municipality's time zone, e.g. "0 2 * * *"
help--schedule = Выражение cron в часовом поясе муниципалитета, например "0 2 * * *"
# en: Only teachers of this school
help--school = Только учителя этой школы
# en: A school partnership rather than a teacher pair
help--schools = Партнёрство школ, а не пара учителей
# en: all (admin), region:NAME, municipality:ID, school:MUNICIPALITY/SCHOOL or curator:MUNICIPALITY/CURATOR
help--scope = all (администратор), region:ИМЯ, municipality:ID, school:МУНИЦИПАЛИТЕТ/ШКОЛА или curator:МУНИЦИПАЛИТЕТ/КУРАТОР
# en: Random seed
help--seed = Начальное значение генератора случайных чисел
# en: Instead: sessions end to end (schedule, accept, record, reports) on a synthetic municipality, through a real server on a temporary store
help--sessions = Вместо этого: встречи от начала до конца (расписание, принятие, отметка, отчёты) на синтетическом муниципалитете через настоящий сервер на временном хранилище
# en: Seconds in-flight calls may take after SIGINT/SIGTERM [default: 30]
help--shutdown_grace_secs = Сколько секунд начатые вызовы могут идти после SIGINT/SIGTERM [по умолчанию: 30]
# en: From this time (2026-11-23T00:00:00Z)
help--since = С этого момента (2026-11-23T00:00:00Z)
# en: Which size; `all` runs each in its own process (separate peak memory)
help--size = Какой масштаб; `all` запускает каждый в своём процессе (отдельный пик памяти)
# en: Travel speed between schools, km/h
help--speed = Скорость передвижения между школами, км/ч
# en: "2026-11-26T14:00", municipality time
help--start = "2026-11-26T14:00", время муниципалитета
# en: Only these statuses (low_results, at_risk, stable, leader)
help--status = Только эти статусы (low_results, at_risk, stable, leader)
# en: Write nothing if any row is bad
help--strict = Ничего не записывать, если хоть одна строка с ошибкой
# en: Only teachers of this subject
help--subject = Только учителя этого предмета
# en: Also write a chart to FILE (SVG)
help--svg = Также записать диаграмму в FILE (SVG)
# en: A teacher's sessions (as mentor or mentee)
help--teacher = Встречи учителя (как наставника или наставляемого)
# en: Regions solved at once
help--threads = Сколько регионов решается одновременно
# en: Sessions before this date
help--to = Встречи до этой даты
# en: Bearer token (`plt_…`); `peerlift token create` makes one
help--token = Токен доступа (`plt_…`); его создаёт `peerlift token create`
# en: In-person pairs only within this many km [default: 40]
help--travel_limit_km = Очные пары только в пределах стольких км [по умолчанию: 40]
# en: Before this time
help--until = До этого момента
# en: Closed-loop writing clients
help--writers = Пишущие клиенты с замкнутым циклом

## Options whose help differs in one command

# en: Work on this store directly (the server must be stopped)
help-token-create--data_dir = Работать прямо с этим хранилищем (сервер должен быть остановлен)
# en: Municipality (or region:NAME for region-wide runs); empty: installation-wide entries such as tokens (admins)
help-audit--municipality = Муниципалитет (или region:ИМЯ для запусков по региону); пусто — записи всей установки, например токены (для администраторов)
# en: Directory to write teachers.csv, diagnostics.csv, mentorships.csv, sessions.csv
help-export--out = Каталог для teachers.csv, diagnostics.csv, mentorships.csv, sessions.csv
# en: Municipality id [default: the id in municipality.csv]
help-import--municipality = Идентификатор муниципалитета [по умолчанию: из municipality.csv]
# en: Teacher id
help-teachers-show--id = Идентификатор учителя
# en: Compute and show, store nothing
help-match--dry_run = Рассчитать и показать, ничего не сохраняя
# en: Show this run
help-runs--run_id = Показать этот запуск
# en: Each pair's score terms
help-runs--explain = Слагаемые оценки каждой пары
# en: Only pairs with this school (the mentee's or the mentor's)
help-runs--school = Только пары с этой школой (наставляемого или наставника)
# en: Every page
help-runs--all = Все страницы
# en: A school's sessions
help-schedule--school = Встречи школы
# en: From this date (inclusive)
help-schedule--from = С этой даты (включительно)
# en: Before this date
help-schedule--to = До этой даты
# en: First day (default today)
help-schedule-propose--from = Первый день (по умолчанию сегодня)
# en: Only mentorships of this school
help-schedule-propose--school = Только наставничества этой школы
# en: Sessions from this date (sessions, load, outcomes)
help-report--from = Встречи с этой даты (sessions, load, outcomes)
# en: Output directory
help-gen-synthetic--out = Каталог для результата
# en: Output directory
help-gen-kirovsky--out = Каталог для результата

## mentorships create

# en: Make a pair, partnership or group by hand, as the office's order has it
help-mentorships-create = Создать пару, партнёрство или группу вручную, как в приказе методической службы
# en: What to make
help-mentorships-create--kind = Что создать
# en: The mentee teacher or school (not for groups)
help-mentorships-create--mentee = Наставляемый учитель или школа (не для групп)
# en: The mentor teacher or partner school
help-mentorships-create--mentor = Учитель-наставник или школа-партнёр
# en: Teacher pairs and groups, directions: the subject code
help-mentorships-create--subject = Пары и группы учителей, направления: код предмета
# en: Groups: a member teacher or school; repeat for each
help-mentorships-create--members = Группы: учитель или школа — участник; повторите для каждого
# en: Why it is made by hand, e.g. the order
help-mentorships-create--reason = Почему создано вручную, например приказ
# en: The day it began, 2022-10-18 (default today)
help-mentorships-create--started_on = День начала, 2022-10-18 (по умолчанию сегодня)
# en: The school year, 2022-2023 (default: that of the start)
help-mentorships-create--school_year = Учебный год, 2022-2023 (по умолчанию — год начала)
# en: The number of the order that approved it
help-mentorships-create--order_number = Номер приказа, которым оно утверждено
# en: The date of that order, 2022-10-18
help-mentorships-create--order_date = Дата этого приказа, 2022-10-18
# en: Partnerships: instrumental or identical, as the office sets it
help-mentorships-create--partnership_type = Партнёрства: instrumental или identical, как задаёт методическая служба
# en: Partnerships: the common goal
help-mentorships-create--goal = Партнёрства: общая цель
# en: Teacher pairs: deficit, young_specialist, voluntary or other
help-mentorships-create--basis = Пары учителей: deficit, young_specialist, voluntary или other
# en: Keep it although it breaks a hard rule, for this reason
help-mentorships-create--accept_reason = Сохранить, хотя нарушено жёсткое правило, по этой причине
# en: Every run keeps it
help-mentorships-create--locked = Каждый запуск его сохраняет

## What clap itself writes

# en: Print help
help--help = Показать справку
# en: Print version
help--version = Показать версию
# en: Print this message or the help of the given subcommand(s)
help-help = Показать эту справку или справку по указанным командам
help-heading-usage = Использование:
help-heading-commands = Команды
help-heading-options = Параметры
help-heading-arguments = Аргументы
help-heading-values = Значения:

## What each value of an option means

# en: Tables and sentences for a person
help-value-text = Таблицы и предложения для человека
# en: JSON for programs: the API's messages, with the API's field names
help-value-json = JSON для программ: сообщения API с именами полей API
# en: The pairs, with their scores
help-value--list-pairs = Пары с их оценками
# en: Demands without a mentor, and why
help-value-unmatched = Потребности без наставника и почему
# en: The diff against what is active: kept, added, ended
help-value-changes = Отличия от действующего: сохранённые, добавленные, завершённые
# en: 50 schools, 1,500 teachers
help-value-municipality = 50 школ, 1 500 учителей
# en: 2,000 schools, 50,000 teachers (40 municipalities)
help-value-region = 2 000 школ, 50 000 учителей (40 муниципалитетов)
# en: 40,000 schools, 1,000,000 teachers (20 regions)
help-value-nation = 40 000 школ, 1 000 000 учителей (20 регионов)
# en: Teacher pairs
help-value-pairs = Пары учителей
# en: School partnerships (PAIRS mode)
help-value-schools = Партнёрства школ (режим PAIRS)
# en: Distributed networks: a leader per school and subject (DISTRIBUTED mode)
help-value-directions = Распределённые сети: лидер на школу и предмет (режим DISTRIBUTED)
# en: Teacher groups: one mentor, mentees of one subject with similar deficits
help-value-teacher-groups = Группы учителей: один наставник, наставляемые одного предмета со схожими дефицитами
# en: School groups (GROUPS mode): a leader with several schools of similar needs
help-value-school-groups = Группы школ (режим GROUPS): лидер с несколькими школами со схожими потребностями


## curators

# en: Curators of schools: assign, change, list, remove; a curator's view of its schools
help-curators = Кураторы школ: назначить, изменить, показать список, удалить; взгляд куратора на его школы
# en: Assign a curator to schools and/or directions
help-curators-add = Назначить куратора школам и/или направлениям
# en: Change a curator: the options given replace the stored values
help-curators-update = Изменить куратора: заданные параметры заменяют сохранённые
# en: Curators of the municipality (of one school with --school)
help-curators-list = Кураторы муниципалитета (одной школы с --school)
# en: A curator's schools: status, mentorships, sessions and progress of each
help-curators-view = Школы куратора: статус, наставнические пары, встречи и динамика каждой
# en: Remove a curator (its tokens then see no school)
help-curators-remove = Удалить куратора (его токены больше не видят ни одной школы)
# en: Only curators of this school
help-curators-list--school = Только кураторы этой школы
# en: The curator (with a curator token: its own, by default)
help-curators-view--id = Куратор (с токеном куратора по умолчанию — он сам)
# en: The curator's id
help-curators-add--id = Идентификатор куратора
# en: Full name of the person
help-curators-add--name = ФИО
# en: What the person is, e.g. "методист ИМЦ"
help-curators-add--position = Должность, например «методист ИМЦ»
# en: The curator's teacher record, when the curator is a teacher of the registry
help-curators-add--teacher = Запись учителя-куратора, если куратор есть в реестре учителей
# en: A school the curator looks after; repeat for each (replaces the list)
help-curators-add--schools = Школа, которую курирует куратор; повторите для каждой (заменяет список)
# en: A direction the curator looks after; repeat for each (replaces the list)
help-curators-add--directions = Направление, которое курирует куратор; повторите для каждого (заменяет список)
# en: E-mail or phone
help-curators-add--contact = Электронная почта или телефон
# en: The curator's id
help-curators-update--id = Идентификатор куратора
# en: Full name of the person
help-curators-update--name = ФИО
# en: What the person is, e.g. "методист ИМЦ"
help-curators-update--position = Должность, например «методист ИМЦ»
# en: The curator's teacher record, when the curator is a teacher of the registry
help-curators-update--teacher = Запись учителя-куратора, если куратор есть в реестре учителей
# en: A school the curator looks after; repeat for each (replaces the list)
help-curators-update--schools = Школа, которую курирует куратор; повторите для каждой (заменяет список)
# en: A direction the curator looks after; repeat for each (replaces the list)
help-curators-update--directions = Направление, которое курирует куратор; повторите для каждого (заменяет список)
# en: E-mail or phone
help-curators-update--contact = Электронная почта или телефон

## events

# en: Municipal events across many schools: plan, list, register, record, cancel
help-events = Муниципальные мероприятия для многих школ: запланировать, показать, зарегистрировать, отметить проведение, отменить
# en: Plan a municipal event: a festival, master class, seminar, round table, webinar
help-events-add = Запланировать муниципальное мероприятие: фестиваль, мастер-класс, семинар, круглый стол, вебинар
# en: The event's id
help-events-add--id = Идентификатор мероприятия
# en: Its kind: open_lessons_festival, master_class, seminar_practicum, creative_laboratory, round_table, webinar, business_game, ideas_auction, conference, methodical_day (or the municipality's own)
help-events-add--kind = Вид: open_lessons_festival, master_class, seminar_practicum, creative_laboratory, round_table, webinar, business_game, ideas_auction, conference, methodical_day (или собственный вид муниципалитета)
# en: Its title
help-events-add--title = Название
# en: Start, municipality time: 2026-12-10T10:00
help-events-add--start = Начало по времени муниципалитета: 2026-12-10T10:00
# en: Length in minutes
help-events-add--minutes = Продолжительность в минутах
# en: The host school (in person); without it the event is online
help-events-add--host = Принимающая школа (очно); без неё мероприятие проходит онлайн
# en: Room, address or call link
help-events-add--place = Кабинет, адрес или ссылка на видеосвязь
# en: Who organises it: office, platform:ID, association:ID or school:ID
help-events-add--organiser = Организатор: office, platform:ID, association:ID или school:ID
# en: A direction it addresses; repeat for each
help-events-add--directions = Направление, которому оно посвящено; повторите для каждого
# en: A deficit it addresses (subject or competence area); repeat for each
help-events-add--topics = Дефицит, на который оно направлено (предмет или область компетенций); повторите для каждого
# en: An invited school (all its teachers); repeat for each
help-events-add--invite_schools = Приглашённая школа (все её учителя); повторите для каждой
# en: An invited teacher; repeat for each
help-events-add--invite_teachers = Приглашённый учитель; повторите для каждого
# en: A teacher who leads it (gives the lesson, the master class); repeat for each
help-events-add--leaders = Учитель, который его ведёт (даёт урок, мастер-класс); повторите для каждого
# en: Places for registration (default: no limit)
help-events-add--capacity = Число мест для регистрации (по умолчанию без ограничения)
# en: Events of a teacher (invited, leading or registered) or of a school, or all
help-events-list = Мероприятия учителя (приглашён, ведёт или зарегистрирован) или школы, либо все
# en: Only events this teacher is invited to, leads or is registered for
help-events-list--teacher = Только мероприятия, куда этот учитель приглашён, которые ведёт или на которые зарегистрирован
# en: Only events this school hosts or is invited to
help-events-list--school = Только мероприятия, которые школа принимает или куда приглашена
# en: From this day, 2026-12-01
help-events-list--from = С этого дня, 2026-12-01
# en: Until this day (not included)
help-events-list--to = До этого дня (не включая его)
# en: Register a teacher for an event (--withdraw: take it back)
help-events-register = Зарегистрировать учителя на мероприятие (--withdraw — отменить регистрацию)
# en: The event
help-events-register--event = Мероприятие
# en: The teacher
help-events-register--teacher = Учитель
# en: Take the registration back
help-events-register--withdraw = Отменить регистрацию
# en: Record an event as held: who came, its materials
help-events-record = Отметить мероприятие проведённым: кто пришёл, материалы
# en: The event
help-events-record--event = Мероприятие
# en: A teacher who came; repeat for each
help-events-record--attended = Учитель, который пришёл; повторите для каждого
# en: A programme, presentation or recording; repeat for each
help-events-record--materials = Программа, презентация или запись; повторите для каждой
# en: Cancel an event
help-events-cancel = Отменить мероприятие
# en: The event
help-events-cancel--event = Мероприятие
# en: Why
help-events-cancel--reason = Причина

## associations

# en: Professional associations and network communities: found, join, leave, list; participation by school year; recommendations for a teacher
help-associations = Профессиональные объединения и сетевые сообщества: создать, вступить, выйти, показать; участие по учебным годам; рекомендации учителю
# en: Found a professional association or network community, with its leader
help-associations-add = Создать профессиональное объединение или сетевое сообщество с его руководителем
# en: The association's id
help-associations-add--id = Идентификатор объединения
# en: Its name
help-associations-add--name = Название
# en: association, community or kindergarten
help-associations-add--kind = association, community или kindergarten
# en: The subject it is about
help-associations-add--subject = Предмет объединения
# en: A competence area its theme works on; repeat for each
help-associations-add--areas = Область компетенций, над которой оно работает; повторите для каждой
# en: The pedagogical problem it works on
help-associations-add--problem = Педагогическая проблема, над которой оно работает
# en: city or region
help-associations-add--reach = city (город) или region (регион)
# en: It meets online too
help-associations-add--online = Встречается и онлайн
# en: The school year it started, 2020-2021
help-associations-add--since_year = Учебный год создания, 2020-2021
# en: Its leader, a teacher of the municipality
help-associations-add--leader = Руководитель — учитель муниципалитета
# en: The day the leader took it on, 2020-09-01 (default today)
help-associations-add--since = День, с которого руководитель ведёт объединение, 2020-09-01 (по умолчанию сегодня)
# en: The municipality's associations and their current members
help-associations-list = Объединения муниципалитета и их нынешние участники
# en: Teachers in associations by school year, and each association's members by municipality
help-associations-participation = Участие учителей в объединениях по учебным годам и участники каждого объединения по муниципалитетам
# en: A school year, 2021-2022; repeat for each (default: every year with members)
help-associations-participation--years = Учебный год, 2021-2022; повторите для каждого (по умолчанию — все годы, когда были участники)
# en: Associations that suit a teacher's diagnosed deficits, and why
help-associations-recommend = Объединения, подходящие к выявленным дефицитам учителя, и почему
# en: The teacher
help-associations-recommend--teacher = Учитель
# en: A teacher joins (of another municipality with --from)
help-associations-join = Учитель вступает (из другого муниципалитета — с --from)
# en: The association
help-associations-join--association = Объединение
# en: The teacher
help-associations-join--teacher = Учитель
# en: The teacher's municipality, when it is not the association's
help-associations-join--from_municipality = Муниципалитет учителя, если это не муниципалитет объединения
# en: The day, 2021-09-01 (default today)
help-associations-join--on = День, 2021-09-01 (по умолчанию сегодня)
# en: Joins as a leader
help-associations-join--leader = Вступает как руководитель
# en: A member leaves
help-associations-leave = Участник выходит
# en: The association
help-associations-leave--association = Объединение
# en: The teacher
help-associations-leave--teacher = Учитель
# en: The teacher's municipality, when it is not the association's
help-associations-leave--from_municipality = Муниципалитет учителя, если это не муниципалитет объединения
# en: The day, 2021-09-01 (default today)
help-associations-leave--on = День, 2021-09-01 (по умолчанию сегодня)
# en: Joins as a leader
help-associations-leave--leader = Вступает как руководитель
# en: Management teams with internship platforms on system directions (Krymsk)
help-value-platforms = Управленческие команды и стажировочные площадки по системным направлениям (Крымск)

## platforms

# en: Internship platforms for management teams and management diagnostics (match them with `peerlift match --kind platforms`)
help-platforms = Стажировочные площадки для управленческих команд и управленческая диагностика (подбор — `peerlift match --kind platforms`)
# en: Fix an internship platform for management teams to a leader school
help-platforms-add = Закрепить стажировочную площадку для управленческих команд за школой-лидером
# en: The platform's id
help-platforms-add--id = Идентификатор площадки
# en: The leader school that runs it
help-platforms-add--school = Школа-лидер, на базе которой она работает
# en: Its system direction: sys_learning_quality, sys_low_results, sys_talents, sys_career_guidance, sys_leadership, sys_staff_development, sys_upbringing
help-platforms-add--direction = Системное направление: sys_learning_quality, sys_low_results, sys_talents, sys_career_guidance, sys_leadership, sys_staff_development, sys_upbringing
# en: Its name
help-platforms-add--name = Название
# en: What teams do there, or a link to the programme
help-platforms-add--programme = Что делают команды на площадке, или ссылка на программу
# en: Schools' teams it takes at once
help-platforms-add--capacity = Сколько команд школ она принимает одновременно
# en: The curator of its direction
help-platforms-add--curator = Куратор направления
# en: The number of the order that fixed it
help-platforms-add--order_number = Номер приказа о закреплении
# en: The date of that order, 2022-09-01
help-platforms-add--order_date = Дата этого приказа, 2022-09-01
# en: The school year, 2022-2023
help-platforms-add--school_year = Учебный год, 2022-2023
# en: The municipality's platforms
help-platforms-list = Площадки муниципалитета
# en: Only platforms on this system direction
help-platforms-list--direction = Только площадки по этому системному направлению
# en: Record an administrator's management diagnostic
help-platforms-diagnose = Записать управленческую диагностику руководителя
# en: The administrator (a director or deputy)
help-platforms-diagnose--teacher = Руководитель (директор или заместитель)
# en: The administrator's school
help-platforms-diagnose--school = Школа руководителя
# en: The day of the diagnostic, 2022-10-14
help-platforms-diagnose--date = День диагностики, 2022-10-14
# en: A system direction's share mastered, sys_low_results=0.3; repeat for each
help-platforms-diagnose--scores = Доля освоения системного направления, sys_low_results=0.3; повторите для каждого
# en: Who produced it
help-platforms-diagnose--source = Кто её провёл
# en: A school's management team: its diagnostics and the difficulties they find
help-platforms-team = Управленческая команда школы: её диагностика и выявленные затруднения
# en: The school
help-platforms-team--school = Школа

## mentorships update

# en: Change a mentorship: a group's members, the mentor, the subject, a partnership's type or goal, its order
help-mentorships-update = Изменить наставническую связь: состав группы, наставника, предмет, тип или цель партнёрства, приказ
# en: The mentorship
help-mentorships-update--id = Наставническая связь
# en: Groups: a member teacher or school; repeat for each (replaces the members)
help-mentorships-update--members = Группы: учитель или школа — участник; повторите для каждого (заменяет состав)
# en: The new mentor teacher or leader school
help-mentorships-update--mentor = Новый наставник или школа-лидер
# en: The new subject or direction
help-mentorships-update--subject = Новый предмет или направление
# en: Partnerships: instrumental or identical
help-mentorships-update--partnership_type = Партнёрства: instrumental или identical
# en: Partnerships: the common goal
help-mentorships-update--goal = Партнёрства: общая цель
# en: The school year, 2022-2023
help-mentorships-update--school_year = Учебный год, 2022-2023
# en: The number of the order that approved it
help-mentorships-update--order_number = Номер приказа, которым оно утверждено
# en: The date of that order, 2022-10-18
help-mentorships-update--order_date = Дата этого приказа, 2022-10-18
# en: Teacher pairs: deficit, young_specialist, voluntary or other
help-mentorships-update--basis = Пары учителей: deficit, young_specialist, voluntary или other
# en: Keep it although it breaks a hard rule, for this reason
help-mentorships-update--accept_reason = Сохранить, хотя нарушено жёсткое правило, по этой причине
# en: School partnerships: end those of schools that left the low-result list (by default they are kept, as the office decides)
help-match--end_when_left_list = Партнёрства школ: завершать партнёрства школ, вышедших из списка ШНОР (по умолчанию они сохраняются — решает методическая служба)

# en: Peer partnerships the office may make: schools of similar needs and complementary strengths
help-mentorships-peers = Равные партнёрства, которые может создать методическая служба: школы со схожими потребностями и взаимодополняющими сильными сторонами
# en: Only this school's peers
help-mentorships-peers--school = Только равные партнёры этой школы
# en: Peers per school, 1 to 10
help-mentorships-peers--per_school = Партнёров на школу, от 1 до 10
# en: Teachers by level per subject (seed 001's table of deficits)
help-value-deficits = Учителя по уровням по предметам (таблица дефицитов, как в seed 001)
# en: The share of teachers at a sufficient level per competence area and school year
help-value-areas = Доля учителей на достаточном уровне по областям компетенций и учебным годам

## documents

# en: The order approving the list of network partnerships for a school year, with its annex (HTML, print it)
help-documents-partnership-order = Приказ об утверждении перечня сетевых партнёрств на учебный год с приложением (HTML для печати)
# en: The school year, 2022-2023
help-documents-partnership-order--year = Учебный год, 2022-2023
# en: The order's number, once signed (blank otherwise)
help-documents-partnership-order--number = Номер приказа после подписания (иначе пусто)
# en: The order's date, 2022-10-18, once signed
help-documents-partnership-order--date = Дата приказа, 2022-10-18, после подписания
# en: Write the HTML to FILE (default: standard output)
help-documents-partnership-order--out = Записать HTML в файл FILE (по умолчанию — в стандартный вывод)

## the programme year
# en: Programmes: goal, stages, targets; indicators by school year against the targets
help-programme = Программы: цель, этапы, целевые показатели; показатели по учебным годам в сравнении с целями
# en: Create a programme: goal, stages, target indicators
help-programme-add = Создать программу: цель, этапы, целевые показатели
# en: The programme's id
help-programme-add--id = Идентификатор программы
# en: Its title
help-programme-add--title = Название
# en: The goal in the office's words
help-programme-add--goal = Цель в формулировке методической службы
# en: A school's programme: the school (else the municipality's)
help-programme-add--school = Программа школы: школа (иначе — программа муниципалитета)
# en: A stage, NAME:START:END (dates 2021-09-01); repeat for each (replaces the list)
help-programme-add--stages = Этап, НАЗВАНИЕ:НАЧАЛО:КОНЕЦ (даты 2021-09-01); повторите для каждого (заменяет список)
# en: A target, INDICATOR:YEAR:VALUE[:ASSESSMENT[:SUBJECT]] (positive_share:2022-2023:80:oge:mathematics); repeat for each (replaces the list)
help-programme-add--targets = Целевой показатель, ПОКАЗАТЕЛЬ:ГОД:ЗНАЧЕНИЕ[:ОЦЕНКА[:ПРЕДМЕТ]] (positive_share:2022-2023:80:oge:mathematics); повторите для каждого (заменяет список)
# en: Change a programme: the options given replace the stored values
help-programme-update = Изменить программу: указанные параметры заменяют сохранённые
# en: The programme's id
help-programme-update--id = Идентификатор программы
# en: Its title
help-programme-update--title = Название
# en: The goal in the office's words
help-programme-update--goal = Цель в формулировке методической службы
# en: A school's programme: the school (else the municipality's)
help-programme-update--school = Программа школы: школа (иначе — программа муниципалитета)
# en: A stage, NAME:START:END (dates 2021-09-01); repeat for each (replaces the list)
help-programme-update--stages = Этап, НАЗВАНИЕ:НАЧАЛО:КОНЕЦ (даты 2021-09-01); повторите для каждого (заменяет список)
# en: A target, INDICATOR:YEAR:VALUE[:ASSESSMENT[:SUBJECT]] (positive_share:2022-2023:80:oge:mathematics); repeat for each (replaces the list)
help-programme-update--targets = Целевой показатель, ПОКАЗАТЕЛЬ:ГОД:ЗНАЧЕНИЕ[:ОЦЕНКА[:ПРЕДМЕТ]] (positive_share:2022-2023:80:oge:mathematics); повторите для каждого (заменяет список)
# en: Programmes of the municipality
help-programme-list = Программы муниципалитета
# en: A programme's indicators by school year against its targets (table; --csv; --svg FILE)
help-programme-show = Показатели программы по учебным годам в сравнении с целевыми значениями (таблица; --csv; --svg FILE)
# en: The programme
help-programme-show--id = Программа
# en: Also write a chart of each targeted indicator against its target to FILE (SVG)
help-programme-show--svg = Также записать в FILE диаграмму: каждый показатель рядом с целевым значением (SVG)
# en: Remove a programme
help-programme-remove = Удалить программу
# en: Student results (VPR, OGE, EGE, NIKO, regional) kept for the indicators
help-results = Результаты обучающихся (ВПР, ОГЭ, ЕГЭ, НИКО, региональные) для показателей
# en: Student results kept (import them with `peerlift import results.csv`)
help-results-list = Сохранённые результаты обучающихся (загрузка: `peerlift import results.csv`)
# en: Only this school's
help-results-list--school = Только этой школы
# en: Only this assessment: vpr, oge, ege, niko, regional
help-results-list--assessment = Только эта процедура оценки: vpr, oge, ege, niko, regional
# en: Only this calendar year, 2023
help-results-list--year = Только этот календарный год, 2023
# en: Roadmaps of the municipality or a school: items, due dates, status, evidence
help-roadmaps = Дорожные карты муниципалитета или школы: пункты, сроки, статус, подтверждение
# en: Create a roadmap (of the municipality, or of a school with --school), empty or from a template
help-roadmaps-add = Создать дорожную карту (муниципалитета или школы с --school), пустую или по шаблону
# en: The roadmap's id
help-roadmaps-add--id = Идентификатор дорожной карты
# en: Its title
help-roadmaps-add--title = Название
# en: A school's roadmap: the school
help-roadmaps-add--school = Дорожная карта школы: школа
# en: The programme it serves
help-roadmaps-add--programme = Программа, которой служит план
# en: network-year:2022: the yearly cycle seed 003 ran, dated in 2022-2023
help-roadmaps-add--template = network-year:2022: годовой цикл из опыта Кировского района с датами 2022-2023 учебного года
# en: List them, with how many items are overdue
help-roadmaps-list = Список, с числом просроченных пунктов
# en: Only this school's
help-roadmaps-list--school = Только этой школы
# en: Only this teacher's
help-roadmaps-list--teacher = Только этого педагога
# en: Only those with an overdue item
help-roadmaps-list--overdue = Только с просроченными пунктами
# en: Show one with the effective status of each item
help-roadmaps-show = Показать план с текущим статусом каждого пункта
# en: The plan's id (a route: route-TEACHER)
help-roadmaps-show--id = Идентификатор плана (маршрут: route-ПЕДАГОГ)
# en: Add an item or change one: the options given replace the stored values
help-roadmaps-item = Добавить пункт или изменить его: указанные параметры заменяют сохранённые
# en: The plan's id
help-roadmaps-item--plan = Идентификатор плана
# en: The item's id within the plan (a new id adds an item)
help-roadmaps-item--item = Номер пункта в плане (новый номер добавляет пункт)
# en: What is to be done
help-roadmaps-item--what = Что сделать
# en: task, deficit, mentorship, association, course, event, session
help-roadmaps-item--kind = task (задача), deficit (дефицит), mentorship (наставничество), association (объединение), course (курс), event (мероприятие), session (занятие)
# en: What the item links to: the subject, mentorship, association, event or session
help-roadmaps-item--link = С чем связан пункт: предмет, наставничество, объединение, мероприятие или занятие
# en: The person, school or office answerable
help-roadmaps-item--responsible = Ответственный: человек, школа или служба
# en: Due date, 2023-03-31
help-roadmaps-item--due = Срок, 2023-03-31
# en: planned, in_progress, done, cancelled
help-roadmaps-item--status = planned (запланировано), in_progress (выполняется), done (выполнено), cancelled (отменено)
# en: When it was done, 2023-03-20
help-roadmaps-item--done_on = Когда выполнено, 2023-03-20
# en: What shows it done: an order, a link, a report
help-roadmaps-item--evidence = Подтверждение выполнения: приказ, ссылка, отчёт
# en: Remove the item
help-roadmaps-item--delete = Удалить пункт
# en: Remove one
help-roadmaps-remove = Удалить
# en: Teachers' individual educational routes (ИОМ): draft, edit, show
help-routes = Индивидуальные образовательные маршруты педагогов (ИОМ): составить, изменить, показать
# en: Draft routes from the latest diagnostics and the network (every teacher with an A/B deficit, or those given)
help-routes-draft = Составить маршруты по последней диагностике и сети (всем педагогам с дефицитом A/B или указанным)
# en: A teacher to draft for; repeat for each
help-routes-draft--teachers = Педагог, для которого составить маршрут; повторите для каждого
# en: The programme the routes serve
help-routes-draft--programme = Программа, которой служат маршруты
# en: Replace routes that exist (else they are kept)
help-routes-draft--replace = Заменить существующие маршруты (иначе они сохраняются)
# en: List them, with how many items are overdue
help-routes-list = Список, с числом просроченных пунктов
# en: Only this school's
help-routes-list--school = Только этой школы
# en: Only this teacher's
help-routes-list--teacher = Только этого педагога
# en: Only those with an overdue item
help-routes-list--overdue = Только с просроченными пунктами
# en: Show one with the effective status of each item
help-routes-show = Показать план с текущим статусом каждого пункта
# en: The plan's id (a route: route-TEACHER)
help-routes-show--id = Идентификатор плана (маршрут: route-ПЕДАГОГ)
# en: Add an item or change one: the options given replace the stored values
help-routes-item = Добавить пункт или изменить его: указанные параметры заменяют сохранённые
# en: The plan's id
help-routes-item--plan = Идентификатор плана
# en: The item's id within the plan (a new id adds an item)
help-routes-item--item = Номер пункта в плане (новый номер добавляет пункт)
# en: What is to be done
help-routes-item--what = Что сделать
# en: task, deficit, mentorship, association, course, event, session
help-routes-item--kind = task (задача), deficit (дефицит), mentorship (наставничество), association (объединение), course (курс), event (мероприятие), session (занятие)
# en: What the item links to: the subject, mentorship, association, event or session
help-routes-item--link = С чем связан пункт: предмет, наставничество, объединение, мероприятие или занятие
# en: The person, school or office answerable
help-routes-item--responsible = Ответственный: человек, школа или служба
# en: Due date, 2023-03-31
help-routes-item--due = Срок, 2023-03-31
# en: planned, in_progress, done, cancelled
help-routes-item--status = planned (запланировано), in_progress (выполняется), done (выполнено), cancelled (отменено)
# en: When it was done, 2023-03-20
help-routes-item--done_on = Когда выполнено, 2023-03-20
# en: What shows it done: an order, a link, a report
help-routes-item--evidence = Подтверждение выполнения: приказ, ссылка, отчёт
# en: Remove the item
help-routes-item--delete = Удалить пункт
# en: Remove one
help-routes-remove = Удалить
# en: The office's documents drafted from the data (HTML to print), and those it signed
help-documents = Документы методической службы по данным (HTML для печати) и подписанные документы
# en: Draft any of the office's documents (HTML, print it): partnership-order YEAR, network-agreement PARTNERSHIP, recommendations YEAR, event-report EVENT, roadmap PLAN, route PLAN, annual-report PROGRAMME --year YEAR
help-documents-render = Подготовить проект документа (HTML для печати): partnership-order ГОД, network-agreement ПАРТНЁРСТВО, recommendations ГОД, event-report МЕРОПРИЯТИЕ, roadmap ПЛАН, route ПЛАН, annual-report ПРОГРАММА --year ГОД
# en: The document
help-documents-render--kind = Документ
# en: What it is about: a school year (partnership order, recommendations), a partnership, an event, a plan or a programme
help-documents-render--subject = О чём документ: учебный год (приказ о партнёрствах, рекомендации), партнёрство, мероприятие, план или программа
# en: Annual report: the school year reported, 2022-2023
help-documents-render--year = Годовой отчёт: отчётный учебный год, 2022-2023
# en: The number, once signed
help-documents-render--number = Номер после подписания
# en: The date, 2022-10-18, once signed
help-documents-render--date = Дата после подписания, 2022-10-18
# en: Write the HTML to FILE (default: standard output)
help-documents-render--out = Записать HTML в файл FILE (по умолчанию — в стандартный вывод)
# en: Record that the office signed a document (--number, --date): a partnership order is then written into each partnership it approved
help-documents-sign = Записать, что документ подписан (--number, --date): приказ о партнёрствах записывается в каждое утверждённое им партнёрство
# en: The document
help-documents-sign--kind = Документ
# en: What it is about: a school year (partnership order, recommendations), a partnership, an event, a plan or a programme
help-documents-sign--subject = О чём документ: учебный год (приказ о партнёрствах, рекомендации), партнёрство, мероприятие, план или программа
# en: Annual report: the school year reported, 2022-2023
help-documents-sign--year = Годовой отчёт: отчётный учебный год, 2022-2023
# en: The number, once signed
help-documents-sign--number = Номер после подписания
# en: The date, 2022-10-18, once signed
help-documents-sign--date = Дата после подписания, 2022-10-18
# en: Write the HTML to FILE (default: standard output)
help-documents-sign--out = Записать HTML в файл FILE (по умолчанию — в стандартный вывод)
# en: Documents the office signed
help-documents-signed = Подписанные документы
# en: Only those listing this mentorship (the order that approved a partnership)
help-documents-signed--mentorship = Только документы с этим наставничеством (приказ, утвердивший партнёрство)
# en: The network by school year: participation, courses, events, schools leaving the list
help-value-network = Сеть по учебным годам: участие, курсы, мероприятия, выход школ из перечня
# en: Where the web console listens, or off [default: 127.0.0.1:8080; env PEERLIFT_CONSOLE_LISTEN]
help-serve--console_listen = Где слушает веб-консоль, или off [по умолчанию: 127.0.0.1:8080; переменная PEERLIFT_CONSOLE_LISTEN]
# en: Instead: every page of the web console at region scale (40 municipalities, 50,000 teachers, the region's pairs approved), fetched over the loopback, `--rounds` times each
help--console = Вместо этого: каждая страница веб-консоли в масштабе региона (40 муниципалитетов, 50 000 учителей, пары региона утверждены), запрошенная через локальный интерфейс `--rounds` раз
# en: Fetches of each console page (after one to warm it)
help--rounds = Сколько раз запрашивать каждую страницу консоли (после одного прогревающего запроса)
