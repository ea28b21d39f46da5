# What the server explains: kept with runs and proposals as phrases (a message id and its
# arguments) and said in the caller's language (`accept-language`), English by default.

## What a run can claim (Certificate.statement)

cert-optimal = optimal: { $what ->
        [groups] the assignment of mentors to the groups formed weighs
       *[pairs] the pairs weigh
    } the most any assignment can over all { $arcs } arcs the hard rules allow; every arc was priced against the dual prices and none is worth more than they cover (dual bound { $objective } = objective { $objective })
cert-not-optimal = NOT guaranteed optimal: the candidate limit (max_candidates) left out { $pruned } of the { $allowed } arcs the hard rules allow; { $what ->
        [groups] the assignment of mentors to the groups formed is
       *[pairs] the pairs are
    } optimal only for the { $arcs } arcs kept. Run without the limit for the optimum
cert-pinned = for the problem the rematch states, with { $held } pairs held as they are (locked, or pinned to keep last night's pairs): { $statement }
cert-legacy-optimal = made by an earlier version of peerlift, before runs carried a certificate: its exact solver kept every arc, so it was optimal, but no duals were recorded
cert-legacy-not-optimal = made by an earlier version of peerlift, before runs carried a certificate; its candidate limit left out { $pruned } arcs: NOT guaranteed optimal

## Why a demand has no mentor (UnmatchedDemand.no_candidate_reason)

why-scores-nothing = every mentor the hard rules allow ({ $allowed }) scores 0 or less with these weights (the best { $best }): no pair is worth making
why-no-mentor-offers = no mentor in scope offers { $subject }
why-mentors-excluded = mentors offering { $subject } were excluded: { $parts }
why-no-leader = no leader school with free capacity in scope
why-leaders-excluded = leader schools were excluded: { $parts }
why-no-platform = no leader offers a { $subject } platform with free places
why-platforms-excluded = { $offered } { $subject } platforms excluded (vetoed, or too far and online not allowed)
why-group-no-mentor-in-person = group { $group } ({ $members }): no mentor of { $subject } can take the whole group (in person near every member)
why-group-no-mentor-online = group { $group } ({ $members }): no mentor of { $subject } can take the whole group (online)
why-no-group = no group: fewer than { $min } mentees of { $subject } could be grouped with them
why-no-group-locality = no group: fewer than { $min } mentees of { $subject } could be grouped with them in their locality (online not allowed)
why-group-no-leader = group { $group }: no free leader can take { $schools } schools within reach
why-no-school-group = no group: too few schools in need to group it with (PAIRS mode serves it)
# One counted reason of a list ("3 vetoed").
counted = { $count } { $what }

## The hard rules, as they exclude a candidate

rule-self = the mentee themself
rule-inactive = inactive
rule-vetoed = vetoed
rule-no-school = without a known school
rule-same-school = at the same school (internal contour not allowed)
rule-too-far = too far for in-person work, and online not possible for this pair
rule-other-municipality = in another municipality (online only), and online not possible for this pair
rule-no-capacity = without free capacity
rule-school-itself = the school itself
rule-too-far-school = too far for in-person work and online not allowed

## Score terms (ScoreTerm.name)

term-severity = severity ({ $level })
term-mentor-level = mentor level { $level }
term-complementarity = complementarity
term-partner-school = partner school
term-continuity = continuity
term-preference = preference
term-same-school = same school
term-travel = travel ({ $km } km)
term-travel-total = travel
term-online = online
term-locked = locked
term-group-continuity = continuity (same group and mentor)
term-status = status
term-status-low-results = status (low results)
term-status-at-risk = status (at risk)
term-fit = fit of strengths to needs
term-risk = risk profile
term-leader-risk = leader's own risks
term-need = need ({ $teachers } teachers at A/B)
term-leader-strength = leader strength ({ $pct }% at D)
term-group-one-locality = group of { $members } (one locality), cohesion { $cohesion }%
term-group-online = group of { $members } (online), cohesion { $cohesion }%
term-school-group = group of { $schools } schools, cohesion { $cohesion }%

## Why a partnership has its type (ProposedPair.type_reason)

type-identical = identical: both in { $locality }: a common territory, a common goal and shared resources
type-instrumental = instrumental: { $a } and { $b } are different localities ({ $km } km apart): an exchange of resources, each school solving its own tasks
type-instrumental-unknown-distance = instrumental: { $a } and { $b } are different localities (distance unknown): an exchange of resources, each school solving its own tasks
type-mentor-fit = mentor fit: { $points } points per member on average
type-identical-group = identical: every school of the group is in { $locality }
type-instrumental-group = instrumental: the group spans localities; each school solves its own tasks with the leader's resources

## Why a run ends an active mentorship (EndedMentorship.reason)

end-teacher-gone = a teacher of the pair is no longer in the registry
end-mentee-inactive = mentee { $mentee } is no longer active
end-mentor-inactive = mentor { $mentor } is no longer active
end-deficit-closed = deficit closed: level { $level } at the diagnostic of { $date }
end-no-diagnostic = no diagnostic of { $subject } for the mentee
end-pair-vetoed = the pair was vetoed
end-no-profile = the mentor has no mentor profile any more
end-capacity-zero = the mentor's capacity was cut to 0
end-no-longer-offers = the mentor no longer offers { $subject }
end-capacity-cut = capacity cut: { $mentor } now takes { $capacity } mentees and had { $load }
end-replaced-pair = replaced: { $mentee } now goes to { $mentor } (score { $score }, beating the current pair with its continuity bonus)
end-outbid-pair = outbid: { $mentor }'s capacity went to demands that score more
end-left-low-results = { $school } left the low-result list (now { $status })
end-not-leader = { $school } is no longer a leader school (now { $status })
end-partnership-vetoed = the partnership was vetoed
end-replaced-partner = replaced: { $school } now partners { $leader } (score { $score })
end-outbid-partner = outbid: { $leader }'s capacity went to schools that score more
end-school-gone = a school of the partnership is no longer in the registry
end-replaced-platform = replaced: { $school } in { $subject } now with { $leader } (score { $score })
end-platform-gone-or-outbid = no longer a demand or outbid: { $school } in { $subject } has no A/B teachers left, or { $leader }'s platform went to schools that score more
end-regrouped = regrouped: the members' deficits changed, or a better mentor or grouping was found
# A mentorship's end reason when a run ended it.
ended-by-run = run { $run }: { $reason }
ended-vetoed = vetoed: { $reason }

## Why the scheduler could not place a session (UnplacedSession.reason)

unplaced-holidays = the week's common availability falls on non-working days ({ $days })
unplaced-no-working-day = no working day in the week
unplaced-no-window = no common availability window of { $minutes } minutes for { $people }
unplaced-booked = every common slot is taken by other sessions of { $people }
unplaced-booked-or-travel = every common slot is taken by other sessions of { $people } or too close to a session at another school (travel time)
unplaced-travel = every common slot is too close to another in-person session at another school (travel time)

## Why a mentorship has done its work (MentorshipProgress.graduation_reason)

graduated-pair = the { $subject } deficit was re-diagnosed at C or D
graduated-voluntary = the voluntary work in { $subject } reached level D
graduated-group = every member's { $subject } deficit was re-diagnosed at C or D
graduated-direction = no teacher of the school has an A/B deficit in { $subject } any more
graduated-school = the school left the low-result list

## Partnerships held without being solved for (school partnerships)

term-kept-left-list = kept: the school left the low-result list (now { $status }); the network goes on until the office ends it
term-kept-office = kept: a partnership the office made
term-kept-peer = kept: a partnership the office made with { $partner }, which is not a leader school
type-by-office = the type the office set
type-by-office-goal = the type the office set; the common goal: { $goal }

## Why an association suits a teacher (RecommendAssociations)
rec-subject = its subject is { $subject }, where the teacher's diagnostics of { $date } found a level { $level } deficit
rec-area = it works on { $area }, which the teacher's latest diagnostics score at { $percent }%

## Management internship platforms
term-management-difficulty = the management team's difficulty (the team masters { $pct }% of the direction)
why-no-management-platform = no active internship platform on { $direction } with free places
why-management-platforms-excluded = the { $offered } platforms on { $direction } were excluded by the rules (its own school, a veto, too far with online not allowed)
end-replaced-management-platform = { $school } goes to { $leader }'s platform on { $direction } instead (score { $score })
end-management-difficulty-gone = { $school } no longer has a difficulty on { $direction } (or { $leader }'s platform closed or is full)

## Peer partnerships (SuggestPeerPartnerships)
term-peer-common-goal = a common goal: both schools need help in { $subject }{ $more ->
    [0] {""}
    [1] {" "}and one more subject
   *[other] {" "}and { $more } more subjects
}
term-peer-partner-brings = the partner's teachers are strong in { $subject }{ $more ->
    [0] {""}
    [1] {" "}and one more subject
   *[other] {" "}and { $more } more subjects
}, where the school needs help
term-peer-school-brings = and the school is strong in { $subject }{ $more ->
    [0] {""}
    [1] {" "}and one more subject
   *[other] {" "}and { $more } more subjects
}, where the partner needs help
type-identical-peer = identical: a common goal in { $subject }{ $more ->
    [0] {""}
    [1] {" "}and one more subject
   *[other] {" "}and { $more } more subjects
} and shared resources, neither school a leader
