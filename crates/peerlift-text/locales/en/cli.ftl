# The command line's messages in English. Every id here is in ru.ftl too (a test checks).

## Columns of the reports' tables
col-school = school
col-subject = subject
col-a = A
col-a-covered = A covered
col-b = B
col-b-covered = B covered
col-coverage = coverage
col-mentor = mentor
col-capacity = capacity
col-mentees = mentees
col-mentorships = mentorships
col-held = held
col-planned = planned
col-by = by
col-id = id
col-scheduled = scheduled
col-missed = missed
col-open = open
col-cancelled = cancelled
col-held-rate = held rate
col-mentored = mentored
col-teachers = teachers
col-mean-levels = mean levels
col-mean-areas = mean areas
col-improved = improved
col-closed = closed
col-of-deficits = of deficits
col-outcome = outcome
col-value = value
col-share = share
col-share-of = share of

## Words in cells
all = (all)
yes = yes
no = no
row-mentorship = mentorship
row-school = school
row-total = total

## Coverage
coverage-title = Coverage of A/B deficits by subject: { $municipality }
coverage-axis = teachers
series-a-demands = A demands
series-a-mentored = A with a mentor
series-b-demands = B demands
series-b-mentored = B with a mentor
coverage-note = { $covered } of { $demands } A/B demands have a mentor

## Mentor load
load-title = Mentor load: { $municipality }
load-axis = mentees
load-note = { $mentors } mentors, { $busy } with mentees, { $over } over capacity

## Sessions
sessions-title = Sessions by school: { $municipality }
sessions-axis = sessions (one between two schools counts for each of them)
sessions-count = { $count ->
    [one] { $count } session
   *[other] { $count } sessions
}

## Progress
progress-title = Change at re-diagnosis, mentored vs not: { $municipality }
progress-axis = mean levels gained per teacher
progress-row = { $subject } (n = { $mentored } mentored, { $not } not)
series-mentored = mentored
series-not-mentored = not mentored

## Outcomes
out-low-results = schools on the low-result list (ever / now)
out-left = schools that left the list
out-closed = deficits closed at re-diagnosis
out-held = sessions held of planned
out-missed = sessions missed
out-taking-part = teachers taking part
out-with-mentor = teachers with a deficit who have a mentor
of-schools-ever = schools ever on the list
of-rediagnosed = deficits re-diagnosed
of-planned = sessions planned
of-held-or-missed = sessions held or missed
of-active = active teachers
of-with-deficit = teachers with a deficit
x-of-y = { $part } of { $whole }
out-left-note = left the low-result list: { $schools }
out-exams-note = student results (VPR, OGE, ...) come from results.csv: `peerlift programme show` puts them against the programme's targets

## Built-in subjects (a municipality's own subjects keep the name it gave them)
subject-russian = Russian language
subject-literature = Literature
subject-mathematics = Mathematics
subject-foreign_language = Foreign language
subject-informatics = Informatics
subject-physics = Physics
subject-chemistry = Chemistry
subject-biology = Biology
subject-history = History
subject-social_studies = Social studies
subject-geography = Geography
subject-primary_school = Primary school
subject-physical_education = Physical education
subject-arts = Arts and music
subject-technology = Technology

## More table columns (Table::new translates every header it has a message for)
col-active = active
col-built-in = built in
col-changes = changes
col-code = code
col-cohesion = cohesion
col-created = created
col-date = date
col-deficit = deficit
col-demands = demands
col-every-weeks = every weeks
col-file = file
col-form = form
col-from = from
col-full-name = full name
col-grants = grants
col-group = group
col-item = item
col-kind = kind
col-label = label
col-latest-change = latest change
col-leader = leader
col-level = level
col-levels = levels
col-locality = locality
col-mean-area-score-change = mean area score change
col-members = members
col-mentee = mentee
col-mentorship = mentorship
col-method = method
col-min = min
col-minutes = minutes
col-mode = mode
col-municipality = municipality
col-name = name
col-note = note
col-objective = objective
col-pairs = pairs
col-partners = partners
col-per-week = per week
col-reason = reason
col-region = region
col-rejected = rejected
col-request-id = request id
col-role = role
col-rounds = rounds
col-rows = rows
col-run = run
col-scope = scope
col-score = score
col-scores = scores
col-session = session
col-since = since
col-start = start
col-state = state
col-status = status
col-subjects = subjects
col-teacher = teacher
col-teacher-pairs-mentored = teacher pairs mentored
col-time = time
col-time-zone = time zone
col-to = to
col-token = token
col-type = type
col-unchanged = unchanged
col-updated = updated
col-week-of = week of
col-where = where

## The command line's own messages
err-connect = cannot reach the peerlift server at { $addr }: { $message } (is `peerlift serve` running? set --addr or PEERLIFT_ADDR)
hint-token = pass --token SECRET or set PEERLIFT_TOKEN (`peerlift token create` makes one; a fresh server writes <data_dir>/initial-admin-token)
list-cut = showing the first { $limit }; there are more (--limit N shows more)
error = error

## Matching
kind-teacher-pairs = teacher pairs
kind-school-partnerships = school partnerships
kind-school-directions = distributed directions
kind-teacher-groups = teacher groups
kind-school-groups = school groups
dry-run = dry run
match-head = run { $id } ({ $status }): { $kind } of { $scope }; objective { $objective }
match-problem = problem: { $demands } demands, { $suppliers } suppliers, { $arcs } arcs { $note }, { $locked } held by locked pairs
match-every-arc = (every arc the hard rules allow)
match-limited = ({ $count } more left out by the candidate limit)
match-coverage = coverage: { $list }
match-by-subject = by subject: { $list }
match-counts = { $pairs } pairs, { $unmatched } demands without a mentor; against what is active: { $kept } kept, { $added } added, { $ended } ended
match-took = took: { $phases }
approved = approved { $run }: { $created } mentorships created, { $ended } ended

## Schedules and imports
proposal-summary = proposal { $id }: { $placed ->
    [one] { $placed } session
   *[other] { $placed } sessions
} placed, { $unplaced } not placed, { $weeks ->
    [one] { $weeks } week
   *[other] { $weeks } weeks
} from { $from }
proposal-accept-hint = accept it with: peerlift schedule accept -m { $municipality } { $id } [--items 0,1,...]
accepted = accepted { $id }: { $created } sessions created, { $before } accepted before
wrote = wrote { $path }
import-more-errors = ... and { $count } more errors
import-dry-run = dry run: nothing was written
import-written = written: { $created } created, { $updated } updated, { $unchanged } unchanged, { $rejected } rejected
import-strict-nothing = nothing was written: --strict and { $rejected } rows were rejected

## Calendars
session-kind-lesson-visit = lesson visit
session-kind-open-lesson = open lesson
session-kind-trial-lesson = trial lesson
session-kind-master-class = master class
session-kind-seminar = seminar-practicum
session-kind-workshop = workshop
session-kind-meetup = meetup
session-kind-round-table = round table
session-kind-festival = festival
session-kind-creative-lab = creative lab
session-kind-consultation = consultation
session-kind-video-call = video call
session-kind-unspecified = session
ics-description =
    Mentorship { $mentorship }
    Mentor: { $mentor }
    Mentees: { $mentees }
    Status: { $status }

## The network picture
net-title = { $municipality }: mentoring network
    arrows point from the mentor's school to the mentee's; bold: school partnership, dashed: teachers mentored (the number on it)
    red: low results, orange: at risk, green: leader, blue: stable
net-partnership = partnership
net-group-partnership = group partnership
mode-in-person = in person
mode-online = online
net-type-instrumental = instrumental
net-type-identical = identical
net-type- = partnership
net-mentees = { $count ->
    [one] { $count } mentee
   *[other] { $count } mentees
}
net-covered = A/B deficits mentored: { $covered }/{ $deficits }
net-within = within the school: { $mentees }
net-teachers = { $count ->
    [one] { $count } teacher
   *[other] { $count } teachers
}
status-low-results = low results
status-at-risk = at risk
status-stable = stable
status-leader = leader

## Built-in competence areas and directions, catalogue kinds
area-methodological = Methodological
area-methodical = Methodical
area-technological = Technological
area-assessment = Assessment
area-diagnostic = Diagnostic
area-design = Design (projecting)
area-reflective = Reflective
area-inclusive = Inclusive
area-psych_pedagogical = Psychological-pedagogical and communicative
area-subject_methodical = Subject-methodical
area-digital = Digital (ICT)
direction-subject_content = Subject content
direction-teaching_methodology = Teaching methodology
direction-upbringing = Upbringing work
direction-lesson_organisation = Lesson and extracurricular organisation
direction-psych_support = Psychological-pedagogical support
direction-work_with_parents = Work with parents
direction-supplementary_education = Links with supplementary education
sysdir-sys_learning_quality = System of the quality of students' preparation
sysdir-sys_low_results = System of work of schools with low educational results
sysdir-sys_talents = System of identifying, supporting and developing children's abilities and talents
sysdir-sys_career_guidance = System of students' self-determination and career guidance
sysdir-sys_leadership = System of the effectiveness of school leaders
sysdir-sys_staff_development = System of teachers' professional development
sysdir-sys_upbringing = System of organising students' upbringing
event-open_lessons_festival = Festival of open lessons
event-master_class = Master class
event-seminar_practicum = Seminar-practicum
event-creative_laboratory = Creative laboratory
event-round_table = Round table
event-webinar = Webinar
event-business_game = Business game
event-ideas_auction = Auction of pedagogical ideas
event-conference = Conference
event-methodical_day = Methodical day
catalog-kind-subject = subject
catalog-kind-competence-area = competence area
catalog-kind-direction = direction
catalog-kind-system-direction = system direction
catalog-kind-event-kind = event kind

## Settings and progress
settings-methodical = methodical days:   { $days }
settings-non-working = non-working days:  { $days }
settings-travel = travel:            { $speed } km/h + { $buffer } min per trip
settings-defaults = (defaults: nothing set for this municipality yet)
progress-summary = { $changes ->
    [one] { $changes } teacher-subject re-diagnosed
   *[other] { $changes } teacher-subjects re-diagnosed
}: mean { $levels } levels, { $areas } area score; { $improved } improved, { $closed } of { $deficits ->
    [one] { $deficits } deficit
   *[other] { $deficits } deficits
} closed
progress-awaiting = { $count } mentee subjects await re-diagnosis
progress-history = status history: { $history }
progress-left-list = the school has left the low-result list

## Explanations and changes of a run
unmatched-count = { $count } demands without a mentor
outbid-one = { $mentor } (here { $score }, taken by { $taken })
outbid = outbid: { $list }
change-keeps = keeps { $id } ({ $municipality })
change-adds = adds { $mentee } <- { $mentor }{ $subject } (pair { $pair })
change-ends = ends { $id } { $mentee } <- { $mentor }{ $subject }: { $reason }
rejected = rejected { $run }

## Rematch policy, tokens, erasure
policy-enabled = enabled:       { $value }
policy-schedule = schedule:      { $value } (municipality time)
policy-next-run = next run:      { $value }
policy-kinds = kinds:         { $value }
policy-continuity = continuity:    { $value }
policy-churn = churn budget:  { $value }
policy-result = result:        { $value }
policy-applied = applied automatically
policy-proposal = a proposal for the office
churn-count = { $count } mentorships
churn-pct = { $pct }% of the active mentorships
token-created = created { $id } ({ $role }, { $scope })
token-shown-once =
    This secret is shown once and never stored: keep it now.
    Use it as PEERLIFT_TOKEN=… or --token …; revoke with `peerlift token revoke { $id }`.
token-revoked = { $id } revoked
teacher-erased = teacher { $id } erased: name and free-text notes removed, history kept anonymously
list-pairs = pairs
list-demands = demands
list-changes = changes
run-next-page = { $shown } of { $total } { $what } shown; the next page: { $command } (or --all)
problem-written = problem written to { $path } ({ $arcs } arcs, { $mb } MB)
problem-written-gz = problem written to { $path } ({ $arcs } arcs, { $mb } MB before gzip)
members = members: { $list }
mentorship-active = active
mentorship-ended = ended
mentorship-locked = locked
vetoed = vetoed { $mentee } <- { $mentor }; { $ended } active mentorships ended
stats-partnered = schools in need with a partner: { $with }/{ $need } ({ $pct }%)
stats-covered = A/B deficits with a mentor: { $covered }/{ $deficits } ({ $pct }%)
stats-isolated = isolated schools: { $list }
stats-none = none
stats-components = components: { $count } (sizes { $sizes })
chart-empty = nothing to show yet

## Usage errors inside commands
usage-no-proposed-run = no proposed run in { $municipality }: run `peerlift match -m { $municipality }` first
usage-store-busy = cannot open the store at { $dir }: { $error } (stop the server first, or leave out --data-dir to go through the API)
usage-role = --role must be one of { $roles }
usage-bad-file-name = bad file name { $name }
usage-check = --check { $item }: '{ $value }' is neither yes nor no (ITEM, ITEM=yes or ITEM=no)
usage-methodical-day = --methodical-day { $window }: { $error }
usage-outcomes-no-chart = the outcomes report is a list of figures: it has no chart
usage-churn-budget = --churn-budget { $value }: a count (3) or a share (5%)
usage-token-ascii = the token is not printable ASCII
usage-unknown-file = cannot tell what { $path } holds: name it municipality.csv, schools.csv, teachers.csv, mentor_profiles.csv, diagnostics.csv or mentorships.csv (a suffix like schools-2023.csv is fine)
usage-no-such-path = { $path } does not exist
usage-no-import-files = no import files found
usage-mixed-directory = { $path } holds import files and also municipality directories ({ $first }, ...): which municipality would its own files be? Move them into a directory of their own, or name the directories to import one by one
usage-empty-directory = no import files in { $path }: expected municipality.csv, schools.csv, teachers.csv, mentor_profiles.csv, diagnostics.csv, or directories of them (one per municipality, as `peerlift gen synthetic region` writes)
usage-files-of-municipalities = these files belong to { $count } municipalities ({ $list }): pass their directories instead (`peerlift import DIR` takes a directory of municipality directories), so each is imported as its own municipality; nothing was imported
usage-files-of-directories = these files belong to { $count } directories ({ $list }): pass their directories instead (`peerlift import DIR` takes a directory of municipality directories), so each is imported as its own municipality; nothing was imported
usage-one-municipality-many-dirs = --municipality names one municipality, but the paths hold { $count } municipality directories (each with its own municipality.csv): leave --municipality out to import them all
usage-name-the-municipality = name the municipality of { $what }: --municipality ID (or PEERLIFT_MUNICIPALITY), or include a municipality.csv
usage-same-municipality = { $first } and { $second } are both municipality { $municipality }: import them one at a time if that is meant; nothing was imported
usage-municipality-required = --municipality (-m) is required
usage-held-or-missed = say --held or --missed
usage-level = { $flag } { $value }: expected a, b or c
usage-status = --status { $value }: expected one of { $codes }
usage-no-store = no store at { $dir }
usage-bench-size = --size { $value }: expected municipality, region, nation or all
ms-kind-pair = pair
ms-kind-partnership = partnership
ms-kind-direction = direction
ms-kind-teacher-group = teacher group
ms-kind-school-group = school group
import-server-finishing = { $municipality }: server finishing
import-failed = failed: { $error }
import-total-of = total ({ $count })
usage-lang = '{ $value }' is not a language peerlift speaks: en or ru
import-skipped = skipped { $path } (not an import file)
teacher-school = school:   { $value }
teacher-subjects = subjects: { $value }
teacher-active = active:   { $value }
teacher-mentor = mentor:   capacity { $capacity }, { $modes }
teacher-mentor-subjects = subjects { $value }
teacher-mentor-directions = directions { $value }
teacher-mentor-available = available { $value }
teacher-no-profile = mentor:   no profile
teacher-no-diagnostics = diagnostics: none
teacher-diagnostics = diagnostics:
session-created = created { $id }: { $start } { $minutes } min, { $kind }
progress-graduated = GRADUATED on { $date }: { $reason } (ready to end)
proposal-not-placed = not placed:
backup-written = backed up { $count } records from { $dir } to { $file }
backup-with-secrets = the file holds the installation's secrets (owner-only): keep it as safe as the data directory
backup-without-secrets = installation secrets are not in the file: a restored store gives new export pseudonyms (--include-secrets keeps them)
backup-restored = restored { $count } records into { $dir }
audit-head-missing = the head noted down earlier ({ $head }) is not in the chain: the log was rewritten
audit-broken = BROKEN: { $what }
audit-before-chain = { $count } entries were written before the chain existed (schema 3) and are not covered
audit-empty-log = (empty log)
audit-intact = audit chain intact: { $count } entries, head { $head }
audit-broken-count = the audit chain is broken in { $count } places (listed above)
token-state-revoked = revoked { $when }
token-state-expired = expired { $when }
token-state-live-until = live until { $when }
token-state-live = live
import-network-later = left out { $path }: a strict or dry-run import does not write the registry first, and the network is checked against it; import it on its own afterwards
usage-partnership-type = --type { $value }: expected instrumental or identical
usage-basis = --basis { $value }: expected deficit, young_specialist, voluntary or other
mentorship-created = made { $id }: { $mentee } <- { $mentor }, since { $since }
mentorship-order = order No { $number } of { $date }, school year { $year }
mentorship-accepted = breaks a rule, kept by the office: { $rule } (why: { $reason })
col-year = school year
col-order = order
order-short = No { $number } of { $date }

## curators
curator-saved = Curator { $id } ({ $name }): schools { $schools }
curator-removed = Curator { $id } removed; its tokens now see no school.
curator-view-head = { $name }, { $position }: { $count } schools
curator-missing-schools = Schools of this curator no longer in the registry: { $schools }
col-position = position
col-directions = directions
col-schools = schools

## events
schedule-events = Municipal events:
ics-event-description =
    { $kind }
    Invited: { $invited }
    Status: { $status }
usage-organiser = '{ $value }' is not an organiser: office, platform:ID, association:ID or school:ID
event-saved = Event { $id } ({ $kind }) "{ $title }" at { $start }: { $invited } invited, { $registered } registered, { $attended } attended
event-status-planned = planned
event-status-held = held
event-status-cancelled = cancelled
event-status- = unknown
col-event = event
col-title = title
col-invited = invited
col-registered = registered
col-attended = attended
row-event = event
sessions-events-note = municipal events: { $held } held of { $planned } planned; { $attendances } attendances; { $schools } schools reached
of-events-planned = events planned
out-events-held = municipal events held of planned
out-at-events = teachers who came to an event
out-basis-deficit = teacher mentorships on a diagnosed deficit
out-basis-young-specialist = teacher mentorships of young specialists (no deficit)
out-basis-voluntary = teacher mentorships on voluntary work (no A/B deficit)
out-basis-other = teacher mentorships on the office's other grounds

## associations
usage-association-kind = '{ $value }' is not a kind of association: association, community or kindergarten
usage-reach = '{ $value }' is not a reach: city or region
association-saved = Association { $id } ({ $name }): { $members } current members
association-kind-association = association
association-kind-community = network community
association-kind-kindergarten = kindergarten teachers' association
association-kind- = unknown
recommend-none = No association suits { $teacher }'s diagnosed deficits.
col-events-held = events held
col-attendances = attendances

## staff positions
position-teacher = teacher
position-director = director
position-deputy-director = deputy director
position-methodologist = methodologist
position-specialist = specialist
position-other = other
position-unspecified = teacher
ms-kind-management = management internship

## management platforms
platform-saved = Platform { $id } at { $school } on "{ $direction }": { $capacity } places
usage-score = '{ $value }' is not a score: give a system direction and a share, sys_low_results=0.3
management-recorded = Management diagnostic { $id }: { $count } directions scored
management-no-difficulty = The management team of { $school } has no diagnosed difficulty.
col-severe = severe
col-direction = direction

peers-none = No school in need has a peer of similar needs and complementary strengths.
peers-line = { $school } with { $partner }: { $score } points

## monitoring tables
col-c = C
col-d = D
col-ab-share = A+B share
col-area = competence area
col-sufficient = sufficient
row-total-teachers = all teachers (weakest level)
deficits-note = each active teacher's latest level per subject; the total counts each teacher once, by their weakest subject
deficits-title = { $municipality }: teachers by level per subject
deficits-axis = teachers
areas-note = sufficient: a score of 0.5 or more in the teacher's diagnostic round of the school year (its latest date; the mean of that date's scores)
areas-title = { $municipality }: teachers at a sufficient level per competence area, by school year
areas-axis = % of the teachers scored
document-written = wrote { $path }: { $count } partnerships in the annex

## the programme year
indicator-positive-share = positive marks
indicator-quality-share = marks 4 and 5
indicator-low-result-schools = schools on the low-result list
indicator-deficits-closed = A/B deficits closed
indicator-participation = teachers in the network
indicator-a-deficits-closed = teachers whose A deficits closed
indicator-sessions-held = sessions held
assessment-vpr = VPR
assessment-oge = OGE
assessment-ege = EGE
assessment-niko = NIKO
assessment-regional = regional assessment
usage-stage = '{ $value }' is not a stage: write NAME:START:END, e.g. practical:2021-10-13:2022-08-31
usage-target = '{ $value }' is not a target: write INDICATOR:YEAR:VALUE[:ASSESSMENT[:SUBJECT]], e.g. positive_share:2022-2023:80:oge:mathematics
usage-indicator = '{ $value }' is not an indicator: { $codes }
usage-assessment = '{ $value }' is not an assessment: { $codes }
usage-no-targets = the programme has no targets to chart: add some with --target
usage-no-item = the plan has no item '{ $item }'
usage-item-kind = '{ $value }' is not an item kind: { $codes }
usage-item-status = '{ $value }' is not an item status: { $codes }
usage-sign-needs-number = a signed document has a number and a date: give --number and --date
programme-saved = Programme { $id }: { $stages } stages, { $targets } targets
programme-goal = Goal: { $goal }
programme-chart-title = { $title }: indicators against their targets
programme-chart-axis = value (% or schools)
programme-n-note = n: what the value rests on (students for results, schools, re-diagnosed deficits, teachers, planned sessions)
series-value = value
series-target = target
removed = { $id } removed.
col-stages = stages
col-targets = targets
col-indicator = indicator
col-n = n
col-target = target
col-met = met
col-assessment = assessment
col-grade = grade
col-participants = participants
col-positive = positive
col-quality = 4 and 5
col-mean = mean
col-what = what
col-responsible = responsible
col-due = due
col-evidence = evidence
col-items = items
col-done = done
col-overdue = overdue
col-change = change
col-number = number
col-partnerships = partnerships
col-participating = in the network
col-courses = courses completed
col-events = events held
col-left-list = left the list
item-status-planned = planned
item-status-in-progress = in progress
item-status-done = done
item-status-cancelled = cancelled
item-automatic = by the data
item-overdue = OVERDUE
plan-summary = { $items } items: { $done } done, { $overdue } overdue
change-created = created
change-replaced = replaced
routes-drafted = Routes: { $created } created, { $replaced } replaced, { $skipped } kept as they were (--replace to redraft)
document-drafted = wrote { $path }: { $title }
document-signed = Recorded { $id }: { $title } ({ $count } partnerships listed)
network-note = teachers: today's staff; in the network: a mentorship, an association or a held event that year; courses: course items of the routes due that year
network-title = { $municipality }: the network by school year
network-axis = % (teachers in the network; events held of planned)
series-participation = teachers in the network
series-events-held = events held
out-plan-overdue = roadmap and route items overdue
out-compare-positive-share = positive marks { $year }, schools: network / outside
out-compare-deficits-closed = A/B deficits closed { $year }: network / outside
side-value = { $value } (n={ $n })
network-vs-outside = { $network } / { $outside }
