# Сообщения командной строки по-русски. Каждый идентификатор есть и в en.ftl (это проверяет тест).

## Столбцы таблиц отчётов
col-school = школа
col-subject = предмет
col-a = A
col-a-covered = A с наставником
col-b = B
col-b-covered = B с наставником
col-coverage = охват
col-mentor = наставник
col-capacity = может вести
col-mentees = наставляемые
col-mentorships = пары
col-held = проведено
col-planned = запланировано
col-by = по
col-id = код
col-scheduled = назначено
col-missed = сорвано
col-open = ожидает отметки
col-cancelled = отменено
col-held-rate = доля проведённых
col-mentored = с наставником
col-teachers = учителя
col-mean-levels = средний рост уровня
col-mean-areas = средний рост по областям
col-improved = улучшили
col-closed = закрыли
col-of-deficits = из дефицитов
col-outcome = показатель
col-value = значение
col-share = доля
col-share-of = доля от

## Слова в ячейках
all = (все)
yes = да
no = нет
row-mentorship = пара
row-school = школа
row-total = итого

## Охват
coverage-title = Охват дефицитов уровней A и B по предметам: { $municipality }
coverage-axis = учителя
series-a-demands = дефицит A
series-a-mentored = A с наставником
series-b-demands = дефицит B
series-b-mentored = B с наставником
coverage-note = наставник есть у { $covered } из { $demands } учителей с дефицитом A/B

## Нагрузка наставников
load-title = Нагрузка наставников: { $municipality }
load-axis = наставляемые
load-note = наставников: { $mentors }, с наставляемыми: { $busy }, сверх возможностей: { $over }

## Занятия
sessions-title = Занятия по школам: { $municipality }
sessions-axis = занятия (занятие двух школ учтено у каждой)
sessions-count = { $count ->
    [one] { $count } сессия
    [few] { $count } сессии
   *[many] { $count } сессий
}

## Динамика
progress-title = Изменение при повторной диагностике, с наставником и без: { $municipality }
progress-axis = средний рост уровня на учителя
progress-row = { $subject } (n = { $mentored } с наставником, { $not } без)
series-mentored = с наставником
series-not-mentored = без наставника

## Итоги программы
out-low-results = школ в списке ШНОР (всего / сейчас)
out-left = школ вышло из списка
out-closed = дефицитов закрыто при повторной диагностике
out-held = проведено занятий из запланированных
out-missed = сорвано занятий
out-taking-part = учителей участвует
out-with-mentor = учителей с дефицитом, у которых есть наставник
of-schools-ever = от школ, бывших в списке
of-rediagnosed = от продиагностированных дефицитов
of-planned = от запланированных занятий
of-held-or-missed = от проведённых и сорванных
of-active = от работающих учителей
of-with-deficit = от учителей с дефицитом
x-of-y = { $part } из { $whole }
out-left-note = вышли из списка ШНОР: { $schools }
out-exams-note = результаты обучающихся (ВПР, ОГЭ и др.) загружаются из results.csv: `peerlift programme show` сравнивает их с целевыми значениями программы

## Встроенные предметы (свои предметы муниципалитета называются так, как он их назвал)
subject-russian = Русский язык
subject-literature = Литература
subject-mathematics = Математика
subject-foreign_language = Иностранный язык
subject-informatics = Информатика
subject-physics = Физика
subject-chemistry = Химия
subject-biology = Биология
subject-history = История
subject-social_studies = Обществознание
subject-geography = География
subject-primary_school = Начальные классы
subject-physical_education = Физическая культура
subject-arts = Искусство и музыка
subject-technology = Технология

## Другие столбцы таблиц (Table::new переводит каждый заголовок, для которого есть сообщение)
col-active = работает
col-built-in = встроенный
col-changes = изменения
col-code = код
col-cohesion = сплочённость
col-created = создан
col-date = дата
col-deficit = дефицит
col-demands = потребности
col-every-weeks = раз в недель
col-file = файл
col-form = форма
col-from = было
col-full-name = ФИО
col-grants = права
col-group = группа
col-item = №
col-kind = вид
col-label = назначение
col-latest-change = последнее изменение
col-leader = школа-лидер
col-level = уровень
col-levels = уровни
col-locality = населённый пункт
col-mean-area-score-change = средний рост по областям
col-members = участники
col-mentee = наставляемый
col-mentorship = пара
col-method = метод
col-min = мин
col-minutes = минут
col-mode = формат
col-municipality = муниципалитет
col-name = название
col-note = примечание
col-objective = целевая функция
col-pairs = пары
col-partners = партнёры
col-per-week = в неделю
col-reason = причина
col-region = регион
col-rejected = отклонено
col-request-id = идентификатор запроса
col-role = роль
col-rounds = диагностики
col-rows = строк
col-run = расчёт
col-scope = область действия
col-score = баллы
col-scores = баллы по областям
col-session = занятие
col-since = с
col-start = начало
col-state = состояние
col-status = статус
col-subjects = предметы
col-teacher = учитель
col-teacher-pairs-mentored = пар учителей
col-time = время
col-time-zone = часовой пояс
col-to = стало
col-token = токен
col-type = тип
col-unchanged = без изменений
col-updated = обновлено
col-week-of = неделя
col-where = где

## Собственные сообщения командной строки
err-connect = не удаётся связаться с сервером peerlift по адресу { $addr }: { $message } (запущен ли `peerlift serve`? укажите --addr или PEERLIFT_ADDR)
hint-token = укажите --token СЕКРЕТ или задайте PEERLIFT_TOKEN (токен создаёт `peerlift token create`; новый сервер записывает <data_dir>/initial-admin-token)
list-cut = показаны первые { $limit }; есть ещё (--limit N покажет больше)
error = ошибка

## Подбор пар
kind-teacher-pairs = пары учителей
kind-school-partnerships = партнёрства школ
kind-school-directions = распределённые направления
kind-teacher-groups = группы учителей
kind-school-groups = группы школ
dry-run = пробный расчёт
match-head = расчёт { $id } ({ $status }): { $kind }, { $scope }; целевая функция { $objective }
match-problem = задача: потребностей { $demands }, наставников и лидеров { $suppliers }, допустимых связей { $arcs } { $note }, закреплённых пар { $locked }
match-every-arc = (все связи, разрешённые жёсткими правилами)
match-limited = (ещё { $count } отброшено ограничением числа кандидатов)
match-coverage = охват: { $list }
match-by-subject = по предметам: { $list }
match-counts = пар: { $pairs }, потребностей без наставника: { $unmatched }; по сравнению с действующими: сохранено { $kept }, добавлено { $added }, завершено { $ended }
match-took = время: { $phases }
approved = расчёт { $run } утверждён: создано пар { $created }, завершено { $ended }

## Расписания и загрузка
proposal-summary = предложение { $id }: { $placed ->
    [one] размещено { $placed } занятие
    [few] размещено { $placed } занятия
   *[many] размещено { $placed } занятий
}, не размещено { $unplaced }, { $weeks ->
    [one] { $weeks } неделя
    [few] { $weeks } недели
   *[many] { $weeks } недель
} с { $from }
proposal-accept-hint = принять: peerlift schedule accept -m { $municipality } { $id } [--items 0,1,...]
accepted = предложение { $id } принято: создано занятий { $created }, принято ранее { $before }
wrote = записан файл { $path }
import-more-errors = ... и ещё ошибок: { $count }
import-dry-run = пробная загрузка: ничего не записано
import-written = записано: создано { $created }, обновлено { $updated }, без изменений { $unchanged }, отклонено { $rejected }
import-strict-nothing = ничего не записано: режим --strict, отклонено строк: { $rejected }

## Календари
session-kind-lesson-visit = посещение урока
session-kind-open-lesson = открытый урок
session-kind-trial-lesson = пробный урок
session-kind-master-class = мастер-класс
session-kind-seminar = семинар-практикум
session-kind-workshop = практикум
session-kind-meetup = встреча
session-kind-round-table = круглый стол
session-kind-festival = фестиваль
session-kind-creative-lab = творческая лаборатория
session-kind-consultation = консультация
session-kind-video-call = видеосвязь
session-kind-unspecified = занятие
ics-description =
    Пара { $mentorship }
    Наставник: { $mentor }
    Наставляемые: { $mentees }
    Статус: { $status }

## Схема сети
net-title = { $municipality }: сеть наставничества
    стрелка — от школы наставника к школе наставляемого; жирная линия — партнёрство школ, пунктир — пары учителей (число на линии)
    красный — ШНОР, оранжевый — в зоне риска, зелёный — лидер, синий — стабильная
net-partnership = партнёрство
net-group-partnership = групповое партнёрство
mode-in-person = очно
mode-online = онлайн
net-type-instrumental = инструментальное
net-type-identical = идентичное
net-type- = партнёрство
net-mentees = { $count ->
    [one] { $count } наставляемый
    [few] { $count } наставляемых
   *[many] { $count } наставляемых
}
net-covered = дефицитов A/B с наставником: { $covered }/{ $deficits }
net-within = внутри школы: { $mentees }
net-teachers = { $count ->
    [one] { $count } учитель
    [few] { $count } учителя
   *[many] { $count } учителей
}
status-low-results = низкие результаты
status-at-risk = в зоне риска
status-stable = стабильная
status-leader = лидер

## Встроенные области компетенций и направления, виды записей каталога
area-methodological = Методологическая
area-methodical = Методическая
area-technological = Технологическая
area-assessment = Оценочная
area-diagnostic = Диагностическая
area-design = Проектировочная
area-reflective = Рефлексивная
area-inclusive = Инклюзивная
area-psych_pedagogical = Психолого-педагогическая и коммуникативная
area-subject_methodical = Предметно-методическая
area-digital = Цифровая (ИКТ)
direction-subject_content = Предметное содержание
direction-teaching_methodology = Методика преподавания
direction-upbringing = Воспитательная работа
direction-lesson_organisation = Организация урочной и внеурочной деятельности
direction-psych_support = Психолого-педагогическое сопровождение
direction-work_with_parents = Работа с родителями
direction-supplementary_education = Связь с дополнительным образованием
sysdir-sys_learning_quality = Система качества подготовки обучающихся
sysdir-sys_low_results = Система работы школ с низкими образовательными результатами
sysdir-sys_talents = Система выявления, поддержки и развития способностей и талантов у детей и молодежи
sysdir-sys_career_guidance = Система работы по самоопределению и профессиональной ориентации обучающихся
sysdir-sys_leadership = Система эффективности работы руководителей образовательных организаций
sysdir-sys_staff_development = Система обеспечения профессионального развития педагогических работников
sysdir-sys_upbringing = Система организации воспитания обучающихся
event-open_lessons_festival = Фестиваль открытых уроков
event-master_class = Мастер-класс
event-seminar_practicum = Семинар-практикум
event-creative_laboratory = Творческая лаборатория
event-round_table = Круглый стол
event-webinar = Вебинар
event-business_game = Деловая игра
event-ideas_auction = Аукцион педагогических идей
event-conference = Конференция
event-methodical_day = Методический день
catalog-kind-subject = предмет
catalog-kind-competence-area = область компетенций
catalog-kind-direction = направление
catalog-kind-system-direction = системное направление
catalog-kind-event-kind = вид мероприятия

## Настройки и динамика
settings-methodical = методические дни:   { $days }
settings-non-working = нерабочие дни:      { $days }
settings-travel = дорога:             { $speed } км/ч + { $buffer } мин на поездку
settings-defaults = (по умолчанию: для муниципалитета ничего не задано)
progress-summary = повторно продиагностировано пар «учитель — предмет»: { $changes }; средний рост уровня { $levels }, баллов по областям { $areas }; улучшили { $improved }, закрыто { $closed } из { $deficits ->
    [one] { $deficits } дефицита
    [few] { $deficits } дефицитов
   *[many] { $deficits } дефицитов
}
progress-awaiting = ожидают повторной диагностики предметов наставляемых: { $count }
progress-history = история статусов: { $history }
progress-left-list = школа вышла из списка ШНОР

## Пояснения и изменения расчёта
unmatched-count = потребностей без наставника: { $count }
outbid-one = { $mentor } (здесь { $score }, занят: { $taken })
outbid = наставники заняты более ценными парами: { $list }
change-keeps = сохраняется { $id } ({ $municipality })
change-adds = добавляется { $mentee } <- { $mentor }{ $subject } (пара { $pair })
change-ends = завершается { $id } { $mentee } <- { $mentor }{ $subject }: { $reason }
rejected = расчёт { $run } отклонён

## Политика пересчёта, токены, удаление данных
policy-enabled = включена:      { $value }
policy-schedule = расписание:    { $value } (время муниципалитета)
policy-next-run = следующий:     { $value }
policy-kinds = виды:          { $value }
policy-continuity = преемственность: { $value }
policy-churn = бюджет замен:  { $value }
policy-result = результат:     { $value }
policy-applied = применяется автоматически
policy-proposal = предложение для отдела
churn-count = { $count ->
    [one] { $count } пара
    [few] { $count } пары
   *[many] { $count } пар
}
churn-pct = { $pct }% действующих пар
token-created = создан { $id } ({ $role }, { $scope })
token-shown-once =
    Секрет показывается один раз и нигде не хранится: сохраните его сейчас.
    Используйте его как PEERLIFT_TOKEN=… или --token …; отозвать: `peerlift token revoke { $id }`.
token-revoked = { $id } отозван
teacher-erased = данные учителя { $id } удалены: ФИО и свободный текст стёрты, история сохранена обезличенно
list-pairs = пар
list-demands = потребностей
list-changes = изменений
run-next-page = показано { $shown } из { $total } ({ $what }); следующая страница: { $command } (или --all)
problem-written = задача записана в { $path } (связей: { $arcs }, { $mb } МБ)
problem-written-gz = задача записана в { $path } (связей: { $arcs }, { $mb } МБ до сжатия gzip)
members = участники: { $list }
mentorship-active = действует
mentorship-ended = завершена
mentorship-locked = закреплена
vetoed = пара { $mentee } <- { $mentor } запрещена; завершено действующих пар: { $ended }
stats-partnered = школ, нуждающихся в поддержке, с партнёром: { $with }/{ $need } ({ $pct }%)
stats-covered = дефицитов A/B с наставником: { $covered }/{ $deficits } ({ $pct }%)
stats-isolated = школы без связей: { $list }
stats-none = нет
stats-components = компонент связности: { $count } (размеры { $sizes })
chart-empty = пока нечего показать

## Ошибки использования внутри команд
usage-no-proposed-run = в { $municipality } нет предложенного запуска: сначала выполните `peerlift match -m { $municipality }`
usage-store-busy = не удаётся открыть хранилище { $dir }: { $error } (сначала остановите сервер или уберите --data-dir, чтобы работать через API)
usage-role = --role должен быть одним из: { $roles }
usage-bad-file-name = неверное имя файла { $name }
usage-check = --check { $item }: «{ $value }» — ни да, ни нет (ПУНКТ, ПУНКТ=yes или ПУНКТ=no)
usage-methodical-day = --methodical-day { $window }: { $error }
usage-outcomes-no-chart = отчёт об итогах — список показателей: диаграммы у него нет
usage-churn-budget = --churn-budget { $value }: число (3) или доля (5%)
usage-token-ascii = токен содержит непечатаемые или не-ASCII символы
usage-unknown-file = непонятно, что содержит { $path }: назовите файл municipality.csv, schools.csv, teachers.csv, mentor_profiles.csv, diagnostics.csv или mentorships.csv (суффикс вроде schools-2023.csv допустим)
usage-no-such-path = { $path } не существует
usage-no-import-files = файлы для загрузки не найдены
usage-mixed-directory = в { $path } есть и файлы для загрузки, и каталоги муниципалитетов ({ $first }, ...): к какому муниципалитету отнести его собственные файлы? Перенесите их в отдельный каталог или укажите каталоги для загрузки по одному
usage-empty-directory = в { $path } нет файлов для загрузки: ожидаются municipality.csv, schools.csv, teachers.csv, mentor_profiles.csv, diagnostics.csv или каталоги с ними (по одному на муниципалитет, как пишет `peerlift gen synthetic region`)
usage-files-of-municipalities = эти файлы относятся к разным муниципалитетам ({ $count }: { $list }): укажите вместо них их каталоги (`peerlift import DIR` принимает каталог с каталогами муниципалитетов), чтобы каждый загрузился как свой муниципалитет; ничего не загружено
usage-files-of-directories = эти файлы лежат в разных каталогах ({ $count }: { $list }): укажите вместо них их каталоги (`peerlift import DIR` принимает каталог с каталогами муниципалитетов), чтобы каждый загрузился как свой муниципалитет; ничего не загружено
usage-one-municipality-many-dirs = --municipality называет один муниципалитет, а в путях { $count } каталогов муниципалитетов (у каждого свой municipality.csv): уберите --municipality, чтобы загрузить все
usage-name-the-municipality = укажите муниципалитет для { $what }: --municipality ID (или PEERLIFT_MUNICIPALITY), либо добавьте municipality.csv
usage-same-municipality = { $first } и { $second } — один и тот же муниципалитет { $municipality }: если так и задумано, загружайте их по одному; ничего не загружено
usage-municipality-required = нужен --municipality (-m)
usage-held-or-missed = укажите --held или --missed
usage-level = { $flag } { $value }: ожидается a, b или c
usage-status = --status { $value }: ожидается одно из: { $codes }
usage-no-store = нет хранилища в { $dir }
usage-bench-size = --size { $value }: ожидается municipality, region, nation или all
ms-kind-pair = пара
ms-kind-partnership = партнёрство
ms-kind-direction = направление
ms-kind-teacher-group = группа учителей
ms-kind-school-group = группа школ
import-server-finishing = { $municipality }: сервер завершает загрузку
import-failed = ошибка: { $error }
import-total-of = итого ({ $count })
usage-lang = «{ $value }» — не язык, на котором говорит peerlift: en или ru
import-skipped = пропущен { $path } (не файл для загрузки)
teacher-school = школа:    { $value }
teacher-subjects = предметы: { $value }
teacher-active = активен:  { $value }
teacher-mentor = наставник: мест { $capacity }, { $modes }
teacher-mentor-subjects = предметы { $value }
teacher-mentor-directions = направления { $value }
teacher-mentor-available = свободен { $value }
teacher-no-profile = наставник: профиля нет
teacher-no-diagnostics = диагностики: нет
teacher-diagnostics = диагностики:
session-created = создана { $id }: { $start }, { $minutes } мин, { $kind }
progress-graduated = ЗАДАЧА ВЫПОЛНЕНА { $date }: { $reason } (можно завершать)
proposal-not-placed = не поставлены:
backup-written = в { $file } записано записей из { $dir }: { $count }
backup-with-secrets = в файле есть секреты установки (доступ только владельцу): храните его так же надёжно, как каталог данных
backup-without-secrets = секретов установки в файле нет: восстановленное хранилище даст новые псевдонимы выгрузки (--include-secrets их сохраняет)
backup-restored = в { $dir } восстановлено записей: { $count }
audit-head-missing = записанной ранее головы ({ $head }) нет в цепочке: журнал переписан
audit-broken = НАРУШЕНИЕ: { $what }
audit-before-chain = записей, сделанных до появления цепочки (схема 3) и ею не охваченных: { $count }
audit-empty-log = (журнал пуст)
audit-intact = цепочка аудита цела: записей { $count }, голова { $head }
audit-broken-count = цепочка аудита нарушена в местах: { $count } (перечислены выше)
token-state-revoked = отозван { $when }
token-state-expired = истёк { $when }
token-state-live-until = действует до { $when }
token-state-live = действует
import-network-later = пропущен { $path }: строгая или пробная загрузка не записывает реестр заранее, а сеть проверяется по нему; загрузите этот файл отдельно после реестра
usage-partnership-type = --type { $value }: ожидается instrumental или identical
usage-basis = --basis { $value }: ожидается deficit, young_specialist, voluntary или other
mentorship-created = создано { $id }: { $mentee } <- { $mentor }, с { $since }
mentorship-order = приказ № { $number } от { $date }, учебный год { $year }
mentorship-accepted = нарушает правило, сохранено методической службой: { $rule } (почему: { $reason })
col-year = учебный год
col-order = приказ
order-short = № { $number } от { $date }

## curators
curator-saved = Куратор { $id } ({ $name }): школы { $schools }
curator-removed = Куратор { $id } удалён; его токены больше не видят ни одной школы.
curator-view-head = { $name }, { $position }: школ — { $count }
curator-missing-schools = Школы этого куратора, которых больше нет в реестре: { $schools }
col-position = должность
col-directions = направления
col-schools = школы

## events
schedule-events = Муниципальные мероприятия:
ics-event-description =
    { $kind }
    Приглашено: { $invited }
    Статус: { $status }
usage-organiser = «{ $value }» — не организатор: office, platform:ID, association:ID или school:ID
event-saved = Мероприятие { $id } ({ $kind }) «{ $title }», { $start }: приглашено { $invited }, зарегистрировано { $registered }, пришли { $attended }
event-status-planned = запланировано
event-status-held = проведено
event-status-cancelled = отменено
event-status- = неизвестно
col-event = мероприятие
col-title = название
col-invited = приглашено
col-registered = зарегистрировано
col-attended = пришли
row-event = мероприятие
sessions-events-note = муниципальные мероприятия: проведено { $held } из { $planned } запланированных; посещений { $attendances }; охвачено школ { $schools }
of-events-planned = запланированных мероприятий
out-events-held = муниципальные мероприятия: проведено из запланированных
out-at-events = учителя, пришедшие на мероприятия
out-basis-deficit = пары и группы учителей по выявленному дефициту
out-basis-young-specialist = пары и группы молодых специалистов (без дефицита)
out-basis-voluntary = пары и группы по желанию (без дефицита A/B)
out-basis-other = пары и группы по иным основаниям методической службы

## associations
usage-association-kind = «{ $value }» — не вид объединения: association, community или kindergarten
usage-reach = «{ $value }» — не охват: city или region
association-saved = Объединение { $id } ({ $name }): участников сейчас — { $members }
association-kind-association = профессиональное объединение
association-kind-community = сетевое сообщество
association-kind-kindergarten = объединение педагогов ДОУ
association-kind- = неизвестно
recommend-none = Ни одно объединение не подходит к выявленным дефицитам учителя { $teacher }.
col-events-held = проведено мероприятий
col-attendances = посещений

## staff positions
position-teacher = учитель
position-director = директор
position-deputy-director = заместитель директора
position-methodologist = методист
position-specialist = специалист
position-other = другое
position-unspecified = учитель
ms-kind-management = управленческая стажировка

## management platforms
platform-saved = Площадка { $id } в { $school } по направлению «{ $direction }»: мест — { $capacity }
usage-score = «{ $value }» — не оценка: укажите системное направление и долю, sys_low_results=0.3
management-recorded = Управленческая диагностика { $id }: оценено направлений — { $count }
management-no-difficulty = У управленческой команды { $school } не выявлено затруднений.
col-severe = серьёзное
col-direction = направление

peers-none = Ни у одной школы с трудностями нет равного партнёра со схожими потребностями и взаимодополняющими сильными сторонами.
peers-line = { $school } и { $partner }: { $score } баллов

## monitoring tables
col-c = C
col-d = D
col-ab-share = доля A+B
col-area = область компетенций
col-sufficient = на достаточном уровне
row-total-teachers = все учителя (по слабейшему уровню)
deficits-note = последний уровень каждого работающего учителя по предмету; в итоге каждый учитель учтён один раз, по слабейшему предмету
deficits-title = { $municipality }: учителя по уровням по предметам
deficits-axis = учителя
areas-note = достаточный уровень: оценка не ниже 0,5 в диагностике учителя за учебный год (последняя дата; среднее оценок этой даты)
areas-title = { $municipality }: учителя на достаточном уровне по областям компетенций и учебным годам
areas-axis = % диагностированных учителей
document-written = записан файл { $path }: партнёрств в приложении — { $count }

## the programme year
indicator-positive-share = положительные отметки
indicator-quality-share = отметки «4» и «5»
indicator-low-result-schools = школ в перечне ШНОР
indicator-deficits-closed = устранено дефицитов A/B
indicator-participation = педагогов в сети
indicator-a-deficits-closed = педагогов с устранёнными дефицитами A
indicator-sessions-held = проведено занятий
assessment-vpr = ВПР
assessment-oge = ОГЭ
assessment-ege = ЕГЭ
assessment-niko = НИКО
assessment-regional = региональная оценка
usage-stage = '{ $value }' — не этап: пишите НАЗВАНИЕ:НАЧАЛО:КОНЕЦ, например practical:2021-10-13:2022-08-31
usage-target = '{ $value }' — не целевой показатель: пишите ПОКАЗАТЕЛЬ:ГОД:ЗНАЧЕНИЕ[:ОЦЕНКА[:ПРЕДМЕТ]], например positive_share:2022-2023:80:oge:mathematics
usage-indicator = '{ $value }' — не показатель: { $codes }
usage-assessment = '{ $value }' — не процедура оценки: { $codes }
usage-no-targets = у программы нет целевых значений для диаграммы: добавьте их через --target
usage-no-item = в плане нет пункта '{ $item }'
usage-item-kind = '{ $value }' — не вид пункта: { $codes }
usage-item-status = '{ $value }' — не статус пункта: { $codes }
usage-sign-needs-number = у подписанного документа есть номер и дата: укажите --number и --date
programme-saved = Программа { $id }: этапов — { $stages }, целевых показателей — { $targets }
programme-goal = Цель: { $goal }
programme-chart-title = { $title }: показатели и целевые значения
programme-chart-axis = значение (% или школ)
programme-n-note = n — на чём основано значение (обучающихся в результатах, школ, повторно диагностированных дефицитов, педагогов, запланированных занятий)
series-value = значение
series-target = цель
removed = { $id } удалён.
col-stages = этапы
col-targets = целей
col-indicator = показатель
col-n = n
col-target = цель
col-met = достигнуто
col-assessment = оценка
col-grade = класс
col-participants = участников
col-positive = положительных
col-quality = «4» и «5»
col-mean = средний
col-what = мероприятие
col-responsible = ответственный
col-due = срок
col-evidence = подтверждение
col-items = пунктов
col-done = выполнено
col-overdue = просрочено
col-change = изменение
col-number = номер
col-partnerships = партнёрств
col-participating = в сети
col-courses = курсы пройдены
col-events = мероприятия проведены
col-left-list = вышли из перечня
item-status-planned = запланировано
item-status-in-progress = выполняется
item-status-done = выполнено
item-status-cancelled = отменено
item-automatic = по данным
item-overdue = ПРОСРОЧЕНО
plan-summary = пунктов: { $items }; выполнено: { $done }; просрочено: { $overdue }
change-created = создан
change-replaced = заменён
routes-drafted = Маршруты: создано — { $created }, заменено — { $replaced }, оставлено как было — { $skipped } (--replace, чтобы составить заново)
document-drafted = записан файл { $path }: { $title }
document-signed = Записан { $id }: { $title } (партнёрств в документе — { $count })
network-note = педагоги — нынешний состав; в сети — наставничество, объединение или проведённое мероприятие в этом году; курсы — пункты маршрутов о курсах со сроком в этом году
network-title = { $municipality }: сеть по учебным годам
network-axis = % (педагогов в сети; проведено мероприятий из запланированных)
series-participation = педагогов в сети
series-events-held = проведено мероприятий
out-plan-overdue = просрочено пунктов дорожных карт и маршрутов
out-compare-positive-share = положительные отметки { $year }, школы: сеть / вне сети
out-compare-deficits-closed = устранено дефицитов A/B { $year }: сеть / вне сети
side-value = { $value } (n={ $n })
network-vs-outside = { $network } / { $outside }
