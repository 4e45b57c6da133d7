"""The library's starting content, written by the clinic in plain language (US grade 8 or below).

Loaded by `manage.py seed_exercises`. Each exercise follows the content guide: steps in the order the
body moves, what one repetition is, how long to hold, how many, how often, what you should feel, an
easier and a harder version, and warning signs. Knee-to-chest is offered as a comfort move beside core,
strength work and walking. The message about discomfort is said once, by the pages themselves.

This text names no reviewer and no date: it awaits review by the clinic's team, who record their
reviews in the admin (exercises.models.ContentReview).
"""

# Stop signs shared by every exercise; each exercise adds its own first.
COMMON_STOP = [
    "Pain spreads down your leg below the knee.",
    "You get new numbness, tingling or weakness in a leg.",
    "The pain is worse the next day and does not settle.",
]

FLOOR_PRECAUTION = "If you cannot get down to the floor and back up, try this on a firm bed."

EXERCISES: list[dict] = [
    {
        "slug": "core-bracing",
        "title": "Tummy tightening (core bracing)",
        "summary": "Gently tighten the muscles around your middle to support your back.",
        "why_it_helps": (
            "The muscles around your middle work like a belt around your spine. "
            "Learning to tighten them gently helps your back feel steady. "
            "It is the first step for most of the other exercises here."
        ),
        "category": "core",
        "difficulty": "gentle",
        "position": "back",
        "equipment": "mat",
        "steps": [
            "Lie on your back on a mat or carpet.",
            "Bend your knees and put your feet flat on the floor.",
            "Rest your fingertips on your belly, just inside your hip bones.",
            "Breathe in normally.",
            "As you breathe out, tighten your stomach as if you expect a light poke.",
            "Your belly should get firm under your fingers.",
            "Do not pull your belly in or push it out. Keep it flat and firm.",
            "Use only a little effort, about a quarter of your hardest squeeze.",
            "Keep breathing slowly while you hold.",
            "Relax your stomach and rest for a few seconds.",
        ],
        "one_repetition": "One time is one squeeze, held, then let go.",
        "reps": 10,
        "sets": 1,
        "hold_seconds": 5,
        "times_per_day": 2,
        "dosage_note": "",
        "easier_version": "Hold for only 2 or 3 seconds. Or do it sitting in a chair.",
        "progression": (
            "Hold for 10 seconds. Then keep the squeeze while you slide one heel along the floor."
        ),
        "feel": (
            "You should feel your belly get firm under your fingers. "
            "Your back should stay still. You should still be able to breathe and talk."
        ),
        "mistakes": [
            "Holding your breath.",
            "Pulling your belly button in, or pushing your belly out.",
            "Pushing your back flat into the floor.",
            "Squeezing so hard that your ribs or shoulders tense up.",
        ],
        "stop_if": ["You feel sharp pain in your back.", *COMMON_STOP],
        "precautions": [
            "If you are pregnant, do this sitting up after the first three months.",
            "After recent surgery on your belly or back, ask your surgeon first.",
            FLOOR_PRECAUTION,
        ],
        "illustration": "img/exercises/core-bracing.svg",
        "illustration_alt": (
            "A person lies on their back on a mat with knees bent and feet flat. "
            "Both hands rest on the belly."
        ),
    },
    {
        "slug": "seated-core-bracing",
        "title": "Tummy tightening in a chair",
        "summary": "The same gentle tightening of your middle, done sitting in a chair.",
        "why_it_helps": (
            "You can train the muscles around your middle without getting on the floor. "
            "You can do it at a desk, in the car or while you watch TV."
        ),
        "category": "core",
        "difficulty": "gentle",
        "position": "sitting",
        "equipment": "chair",
        "steps": [
            "Sit on a firm chair with your feet flat on the floor.",
            "Sit up tall, away from the back of the chair.",
            "Rest your fingertips on your belly, just inside your hip bones.",
            "As you breathe out, gently tighten your stomach.",
            "Your belly should get firm. Do not pull it in or push it out.",
            "Keep breathing slowly while you hold.",
            "Relax your stomach and rest.",
        ],
        "one_repetition": "One time is one squeeze, held, then let go.",
        "reps": 10,
        "sets": 1,
        "hold_seconds": 5,
        "times_per_day": 3,
        "dosage_note": "",
        "easier_version": "Hold for only 2 or 3 seconds, and do 5 at a time.",
        "progression": (
            "Hold for 10 seconds. Then keep the squeeze while you lift one foot a little off the floor."
        ),
        "feel": "You should feel your belly get firm. Your back should stay still and tall.",
        "mistakes": [
            "Holding your breath.",
            "Slumping or leaning back in the chair.",
            "Lifting your shoulders toward your ears.",
        ],
        "stop_if": ["You feel sharp pain in your back.", *COMMON_STOP],
        "precautions": [
            "Use a chair that does not roll or tip.",
            "After recent surgery on your belly or back, ask your surgeon first.",
        ],
        "illustration": "img/exercises/seated-core-bracing.svg",
        "illustration_alt": (
            "A person sits up tall near the front of a chair, away from its back. "
            "Both feet are flat and both hands rest on the belly."
        ),
    },
    {
        "slug": "pelvic-tilt",
        "title": "Pelvic tilt",
        "summary": "Rock your hips gently to ease a stiff lower back.",
        "why_it_helps": (
            "Small, slow moves help a stiff back loosen up. "
            "This one also teaches you to control the muscles around your hips and belly."
        ),
        "category": "core",
        "difficulty": "gentle",
        "position": "back",
        "equipment": "mat",
        "steps": [
            "Lie on your back on a mat or carpet.",
            "Bend your knees and put your feet flat on the floor.",
            "Tighten your stomach muscles a little.",
            "Tip your hips up so your lower back presses gently into the floor.",
            "Hold, and keep breathing.",
            "Tip your hips back so your lower back arches a little.",
            "Come back to the middle and relax.",
        ],
        "one_repetition": "One time is one rock back, then one rock forward.",
        "reps": 10,
        "sets": 1,
        "hold_seconds": 5,
        "times_per_day": 2,
        "dosage_note": "",
        "easier_version": "Make the movement smaller, and do only 5.",
        "progression": "Do it standing with your back against a wall. Or move on to the bridge.",
        "feel": (
            "You should feel a gentle move in your lower back and hips. "
            "It may feel a little stiff at first."
        ),
        "mistakes": [
            "Lifting your bottom off the floor.",
            "Pushing with your feet instead of using your belly.",
            "Moving fast. Keep it slow and small.",
        ],
        "stop_if": ["You feel sharp pain in your back.", *COMMON_STOP],
        "precautions": [
            "If you are pregnant, after the first three months do this standing with your back to a wall.",
            FLOOR_PRECAUTION,
        ],
        "illustration": "img/exercises/pelvic-tilt.svg",
        "illustration_alt": (
            "A person lies on their back on a mat with knees bent. "
            "An arrow shows the hips tipping up and the low back pressing down."
        ),
    },
    {
        "slug": "knee-to-chest",
        "title": "Knee-to-chest stretch",
        "summary": "Hug one knee to your chest for a gentle stretch in your lower back.",
        "why_it_helps": (
            "This stretch can ease a stiff, sore back and help you move more freely. "
            "Stretching alone does not build strength. "
            "Do it with the tummy, bridge and walking exercises for the best results."
        ),
        "category": "stretch",
        "difficulty": "gentle",
        "position": "back",
        "equipment": "mat",
        "steps": [
            "Lie on your back on a mat or carpet.",
            "Bend both knees and put your feet flat on the floor.",
            "Tighten your stomach muscles a little.",
            "Lift one knee and hold it with both hands.",
            "Slowly pull the knee toward your chest until you feel a gentle stretch.",
            "Hold, and keep breathing.",
            "Lower the foot back to the floor.",
            "Do the same with the other leg.",
        ],
        "one_repetition": "One time is one stretch with each leg.",
        "reps": 3,
        "sets": 1,
        "hold_seconds": 20,
        "times_per_day": 2,
        "dosage_note": "",
        "easier_version": "Hold the back of your thigh, not your knee, and pull less far.",
        "progression": "Hold for up to 30 seconds. Breathe out as you ease the knee a little closer.",
        "feel": "You should feel a gentle stretch in your lower back and buttock. Keep it easy.",
        "mistakes": [
            "Pulling hard or bouncing.",
            "Lifting your head and shoulders off the floor.",
            "Holding your breath.",
        ],
        "stop_if": ["The stretch makes your back pain worse.", *COMMON_STOP],
        "precautions": [
            "If you have a new hip or knee, ask your surgeon how far you may bend it.",
            "If you have weak bones (osteoporosis), pull gently and do not pull both knees at once.",
            FLOOR_PRECAUTION,
        ],
        "illustration": "img/exercises/knee-to-chest.svg",
        "illustration_alt": (
            "A person lies on their back on a mat. "
            "Both hands hug one knee toward the chest. The other foot stays flat."
        ),
    },
    {
        "slug": "glute-bridge",
        "title": "Bridge",
        "summary": "Lift your hips off the floor to make your buttocks and back stronger.",
        "why_it_helps": (
            "Strong buttock muscles take load off your lower back. "
            "The bridge works them while your back stays steady."
        ),
        "category": "strength",
        "difficulty": "moderate",
        "position": "back",
        "equipment": "mat",
        "steps": [
            "Lie on your back on a mat or carpet.",
            "Bend your knees and put your feet flat, hip-width apart.",
            "Put your arms by your sides.",
            "Tighten your stomach and squeeze your buttocks.",
            "Lift your hips until your body makes a straight line from knees to shoulders.",
            "Hold, and keep breathing.",
            "Lower your hips slowly to the floor.",
        ],
        "one_repetition": "One time is one lift, hold and lower.",
        "reps": 10,
        "sets": 2,
        "hold_seconds": 3,
        "times_per_day": 1,
        "dosage_note": "",
        "easier_version": "Lift your hips only a little way, and hold for 1 second.",
        "progression": (
            "Hold for 5 to 10 seconds. Later, lift one foot a little off the floor while you hold."
        ),
        "feel": (
            "You should feel your buttocks and the backs of your thighs working. "
            "Your back may feel warm from the work."
        ),
        "mistakes": [
            "Lifting too high and arching your back.",
            "Letting your knees fall in or out.",
            "Pushing through your toes instead of your heels.",
        ],
        "stop_if": [
            "You feel sharp pain in your back.",
            "You get cramp in the back of your thigh.",
            *COMMON_STOP,
        ],
        "precautions": [
            "If you are pregnant, after the first three months ask your midwife or doctor before lying on your back.",
            "After recent back surgery, ask your surgeon first.",
            FLOOR_PRECAUTION,
        ],
        "illustration": "img/exercises/glute-bridge.svg",
        "illustration_alt": (
            "A person lies on a mat with knees bent and hips lifted. "
            "The body makes a straight line from knees to shoulders."
        ),
    },
    {
        "slug": "bird-dog",
        "title": "Bird dog",
        "summary": "On hands and knees, reach one arm and the other leg out and keep your back still.",
        "why_it_helps": (
            "This trains the muscles that keep your spine steady while your arms and legs move. "
            "That is what your back needs to do all day."
        ),
        "category": "core",
        "difficulty": "moderate",
        "position": "all_fours",
        "equipment": "mat",
        "steps": [
            "Get onto your hands and knees on a mat.",
            "Put your hands under your shoulders and your knees under your hips.",
            "Tighten your stomach muscles a little.",
            "Slide one leg back along the floor and lift it to hip height.",
            "If that feels steady, lift the other arm out in front of you.",
            "Hold, and keep your back flat like a table.",
            "Lower your arm and leg back down.",
            "Do the same with the other arm and leg.",
        ],
        "one_repetition": "One time is one reach on each side.",
        "reps": 8,
        "sets": 2,
        "hold_seconds": 5,
        "times_per_day": 1,
        "dosage_note": "",
        "easier_version": "Lift only one leg, or only one arm, at a time.",
        "progression": "Hold for 10 seconds. Keep your back as still as a table the whole time.",
        "feel": (
            "You should feel your stomach, back and buttock muscles working to keep you steady."
        ),
        "mistakes": [
            "Lifting the leg too high so your back arches.",
            "Letting your hips tip to one side.",
            "Letting your head drop. Look at the floor just in front of your hands.",
        ],
        "stop_if": [
            "You feel sharp pain in your back.",
            "Your wrists or knees hurt. Use a pillow under your knees.",
            *COMMON_STOP,
        ],
        "precautions": [
            "If your wrists hurt, rest on your fists or on your forearms.",
            "If you cannot kneel, try tummy tightening in a chair instead.",
        ],
        "illustration": "img/exercises/bird-dog.svg",
        "illustration_alt": (
            "A person on hands and knees on a mat reaches one arm forward "
            "and the opposite leg back. The back is flat."
        ),
    },
    {
        "slug": "cat-camel",
        "title": "Cat and camel",
        "summary": "On hands and knees, slowly round and then hollow your back.",
        "why_it_helps": (
            "Slow movement helps a stiff back loosen up. "
            "It is a good way to warm up before the other exercises."
        ),
        "category": "stretch",
        "difficulty": "gentle",
        "position": "all_fours",
        "equipment": "mat",
        "steps": [
            "Get onto your hands and knees on a mat.",
            "Put your hands under your shoulders and your knees under your hips.",
            "Breathe out and round your back up toward the ceiling, like a cat.",
            "Let your head drop down gently.",
            "Breathe in and let your belly sink toward the floor.",
            "Lift your head a little and look ahead.",
            "Move slowly between the two shapes.",
        ],
        "one_repetition": "One time is one round up and one sink down.",
        "reps": 10,
        "sets": 1,
        "hold_seconds": None,
        "times_per_day": 2,
        "dosage_note": "Move slowly. Each shape takes about 3 seconds.",
        "easier_version": (
            "Make the moves smaller. Or sit on a chair: round your back, then sit up tall."
        ),
        "progression": "Move a little further each time. Pause for 2 seconds in each shape.",
        "feel": "You should feel your back bend and loosen. Only move as far as is comfortable.",
        "mistakes": [
            "Moving fast or jerking.",
            "Pushing into a position that hurts.",
            "Bending your elbows. Keep your arms straight.",
        ],
        "stop_if": ["Sinking your belly down causes sharp pain.", *COMMON_STOP],
        "precautions": [
            "If your wrists hurt, rest on your fists.",
            "If you cannot kneel, do the pelvic tilt lying down instead.",
        ],
        "illustration": "img/exercises/cat-camel.svg",
        "illustration_alt": (
            "A person on hands and knees on a mat rounds the back up toward the ceiling, "
            "with the head dropped down."
        ),
    },
    {
        "slug": "partial-curl",
        "title": "Partial curl-up",
        "summary": "Lift just your head and shoulders to make your stomach muscles stronger.",
        "why_it_helps": (
            "This makes your front stomach muscles stronger. "
            "You lift only a little, so it is kinder to your back than a full sit-up."
        ),
        "category": "strength",
        "difficulty": "moderate",
        "position": "back",
        "equipment": "mat",
        "steps": [
            "Lie on your back on a mat or carpet.",
            "Bend your knees and put your feet flat on the floor.",
            "Cross your arms over your chest.",
            "Tighten your stomach muscles.",
            "Breathe out and lift your head and shoulders just off the floor.",
            "Hold, and keep breathing.",
            "Lower your head and shoulders slowly.",
        ],
        "one_repetition": "One time is one lift, hold and lower.",
        "reps": 8,
        "sets": 2,
        "hold_seconds": 3,
        "times_per_day": 1,
        "dosage_note": "",
        "easier_version": "Lift only your head, and keep your shoulders on the floor.",
        "progression": (
            "Hold for 5 seconds. Later, rest your fingertips by your ears. Do not pull on your neck."
        ),
        "feel": "You should feel your stomach muscles working. Your neck should stay relaxed.",
        "mistakes": [
            "Pulling on your head or neck.",
            "Sitting all the way up.",
            "Holding your breath.",
        ],
        "stop_if": ["Your neck hurts.", "You feel sharp pain in your back.", *COMMON_STOP],
        "precautions": [
            (
                "If you have weak bones (osteoporosis), skip this. "
                "Curling forward can harm weak bones. Do the tummy exercise instead."
            ),
            "If you are pregnant, skip this after the first three months.",
            "After recent belly or back surgery, ask your surgeon first.",
        ],
        "illustration": "img/exercises/partial-curl.svg",
        "illustration_alt": (
            "A person lies on a mat with knees bent and arms crossed on the chest. "
            "The head and shoulders lift just off the mat."
        ),
    },
    {
        "slug": "side-plank-knees",
        "title": "Side plank on your knees",
        "summary": "Lift your hips while lying on your side to work the muscles at the side of your trunk.",
        "why_it_helps": (
            "The muscles along the side of your trunk help keep your spine steady when you carry things. "
            "Doing it on your knees makes it easier."
        ),
        "category": "strength",
        "difficulty": "harder",
        "position": "side",
        "equipment": "mat",
        "steps": [
            "Lie on your side on a mat.",
            "Prop yourself up on your elbow, right under your shoulder.",
            "Bend your knees so your feet are behind you.",
            "Tighten your stomach muscles.",
            "Lift your hips so your body makes a straight line from knees to head.",
            "Hold, and keep breathing.",
            "Lower your hips slowly.",
            "Turn over and do the same on the other side.",
        ],
        "one_repetition": "One time is one lift and hold on each side.",
        "reps": 5,
        "sets": 1,
        "hold_seconds": 10,
        "times_per_day": 1,
        "dosage_note": "",
        "easier_version": (
            "Stand side-on to a wall with your forearm flat on it. Lean in and hold for 5 seconds."
        ),
        "progression": "Add 5 seconds to the hold each week, up to 30 seconds.",
        "feel": "You should feel the side of your trunk and your shoulder working.",
        "mistakes": [
            "Letting your hips sag toward the floor.",
            "Rolling forward or back.",
            "Putting your elbow too far from your shoulder.",
        ],
        "stop_if": ["Your shoulder hurts.", "You feel sharp pain in your back.", *COMMON_STOP],
        "precautions": [
            "If you have a shoulder problem, skip this or ask your therapist.",
            "If you are pregnant, ask your midwife or doctor first.",
            FLOOR_PRECAUTION,
        ],
        "illustration": "img/exercises/side-plank-knees.svg",
        "illustration_alt": (
            "A person lies on one side on a mat, propped on an elbow under the shoulder, "
            "with the forearm flat on the mat and knees bent. "
            "The hips are lifted so the body is straight from knees to head."
        ),
    },
    {
        "slug": "hamstring-stretch",
        "title": "Hamstring stretch in a chair",
        "summary": "Stretch the back of your thigh while sitting. No need to get on the floor.",
        "why_it_helps": (
            "Tight muscles at the back of your thighs can pull on your lower back. "
            "A gentle stretch can help you bend and sit more comfortably."
        ),
        "category": "stretch",
        "difficulty": "gentle",
        "position": "sitting",
        "equipment": "chair",
        "steps": [
            "Sit near the front edge of a firm chair.",
            "Keep one foot flat on the floor.",
            "Straighten the other leg out in front with the heel on the floor.",
            "Sit up tall with a straight back.",
            "Lean forward from your hips until you feel a gentle stretch.",
            "Hold, and keep breathing.",
            "Sit back up and change legs.",
        ],
        "one_repetition": "One time is one stretch with each leg.",
        "reps": 3,
        "sets": 1,
        "hold_seconds": 20,
        "times_per_day": 2,
        "dosage_note": "",
        "easier_version": "Lean forward less, or bend your straight knee a little.",
        "progression": "Hold for 30 seconds. Later, rest your heel on a low stool as you lean.",
        "feel": "You should feel a gentle stretch in the back of your thigh.",
        "mistakes": [
            "Rounding your back to reach further.",
            "Bouncing while you stretch.",
            "Locking your knee hard. Keep it soft.",
        ],
        "stop_if": ["You feel tingling or pain running down your leg.", *COMMON_STOP],
        "precautions": [
            "Use a chair that does not roll or tip.",
            "If you have a new hip, ask your surgeon how far you may lean forward.",
        ],
        "illustration": "img/exercises/hamstring-stretch.svg",
        "illustration_alt": (
            "A person sits on the front of a chair with one leg straight out and the heel on the floor, "
            "leaning forward with a straight back."
        ),
    },
    {
        "slug": "sit-to-stand",
        "title": "Sit to stand",
        "summary": "Stand up from a chair and sit back down, slowly, to make your legs stronger.",
        "why_it_helps": (
            "Strong legs let you lift and bend without loading your back. "
            "This is the same move you make every time you get up from a chair."
        ),
        "category": "strength",
        "difficulty": "moderate",
        "position": "sitting",
        "equipment": "chair",
        "steps": [
            "Sit near the front of a firm chair with your feet flat, hip-width apart.",
            "Cross your arms over your chest.",
            "Tighten your stomach muscles.",
            "Lean forward a little from your hips, keeping your back straight.",
            "Push through your heels and stand up tall.",
            "Slowly sit back down with control.",
        ],
        "one_repetition": "One time is one stand up and one sit down.",
        "reps": 10,
        "sets": 2,
        "hold_seconds": None,
        "times_per_day": 1,
        "dosage_note": "",
        "easier_version": "Push off with your hands on your thighs. A higher chair is easier too.",
        "progression": "Use a lower chair. Or take 3 seconds to sit down, slowly.",
        "feel": "You should feel your thighs and buttocks working. Your back should stay straight.",
        "mistakes": [
            "Dropping back into the chair.",
            "Letting your knees fall in toward each other.",
            "Rounding your back as you stand.",
        ],
        "stop_if": ["You feel dizzy or unsteady.", "Your knees hurt.", *COMMON_STOP],
        "precautions": [
            "Put the chair against a wall so it cannot slide.",
            "If you are unsteady on your feet, have someone nearby.",
        ],
        "illustration": "img/exercises/sit-to-stand.svg",
        "illustration_alt": (
            "A person stands up from a chair against a wall, arms crossed on the chest "
            "and back straight."
        ),
    },
    {
        "slug": "lunge",
        "title": "Lunge with a straight back",
        "summary": "Step forward and bend both knees, keeping your back straight.",
        "why_it_helps": (
            "Lunges build the leg and buttock strength you need to lift things. "
            "They also train your balance."
        ),
        "category": "strength",
        "difficulty": "harder",
        "position": "standing",
        "equipment": "none",
        "steps": [
            "Stand tall with your feet hip-width apart.",
            "Rest a hand on a wall or chair back if you need help with balance.",
            "Tighten your stomach muscles and keep your back straight.",
            "Take a big step forward with one foot.",
            "Bend both knees and lower your body straight down.",
            "Stop when your front knee is bent to about a right angle (90 degrees).",
            "Keep your front knee pointing the same way as your toes.",
            "Your knee may move forward past your ankle. That is fine if it feels comfortable.",
            "Push through your whole front foot to step back to standing.",
            "Do the same with the other leg.",
        ],
        "one_repetition": "One time is one lunge with each leg.",
        "reps": 8,
        "sets": 2,
        "hold_seconds": None,
        "times_per_day": 1,
        "dosage_note": "Start with a small bend.",
        "easier_version": "Hold on to a chair back with both hands, and bend your knees only a little.",
        "progression": "Go lower as you get stronger. Later, hold a light weight in each hand.",
        "feel": "You should feel your thighs and buttocks working.",
        "mistakes": [
            "Leaning forward or arching your back.",
            "Letting your front knee fall in toward the other leg.",
            "Lifting your front heel off the floor.",
        ],
        "stop_if": ["Your knee hurts.", "You feel dizzy or lose your balance.", *COMMON_STOP],
        "precautions": [
            "If you have knee problems or poor balance, do sit to stand instead.",
            "If you are pregnant, hold on to something steady.",
        ],
        "illustration": "img/exercises/lunge.svg",
        "illustration_alt": (
            "A person stands with one foot forward and both knees bent. "
            "The front knee is bent to a right angle and the back is straight."
        ),
    },
    {
        "slug": "walking",
        "title": "Walking",
        "summary": "A daily walk is one of the best things you can do for back pain.",
        "why_it_helps": (
            "Walking keeps your back moving and your muscles working. "
            "It helps your mood and your sleep, too. "
            "Staying in bed does not help back pain heal."
        ),
        "category": "aerobic",
        "difficulty": "gentle",
        "position": "standing",
        "equipment": "none",
        "steps": [
            "Put on comfortable, flat shoes.",
            "Stand tall and relax your shoulders.",
            "Walk at a pace where you can still talk.",
            "Let your arms swing gently.",
            "Start with a short walk, even 5 minutes.",
            "Walk a little longer each week.",
        ],
        "one_repetition": "One time is one walk.",
        "reps": None,
        "sets": None,
        "hold_seconds": None,
        "times_per_day": 1,
        "dosage_note": "Start with 5 to 10 minutes.",
        "easier_version": "Take 2 or 3 short walks of 5 minutes instead of one long one.",
        "progression": (
            "Add a few minutes each week, up to 30 minutes a day. Later, walk a little faster."
        ),
        "feel": "You should feel warm and breathe a bit faster.",
        "mistakes": [
            "Doing too much on a good day, then nothing on the next.",
            "Waiting until the pain is gone before you start.",
            "Looking down at your feet the whole time.",
        ],
        "stop_if": [
            "Your legs hurt or feel weak when you walk, and it eases when you rest.",
            *COMMON_STOP,
        ],
        "precautions": [
            "If you have heart or lung problems, ask your doctor how far to walk.",
            "Choose flat, even ground at first.",
        ],
        "illustration": "img/exercises/walking.svg",
        "illustration_alt": "A person walks upright with arms swinging gently at their sides.",
    },
]

ROUTINES: list[dict] = [
    {
        "slug": "gentle-start",
        "title": "Gentle start: 10 minutes a day",
        "summary": "Easy moves to loosen up and switch on your core when your back is sore.",
        "who_for": (
            "For the first days or weeks of back pain. Good if you have not exercised for a while."
        ),
        "minutes": 10,
        "how_often": "Once or twice a day",
        "items": [
            ("cat-camel", {"reps": 8}),
            ("pelvic-tilt", {}),
            ("core-bracing", {}),
            ("knee-to-chest", {"reps": 2}),
            ("walking", {"note": "Walk for 5 minutes."}),
        ],
    },
    {
        "slug": "core-stability",
        "title": "Core stability: 15 minutes",
        "summary": "Build the muscles that keep your spine steady.",
        "who_for": "For when the gentle start feels easy and your pain is settling.",
        "minutes": 15,
        "how_often": "Once a day, 5 days a week",
        "items": [
            ("core-bracing", {"reps": 5}),
            ("bird-dog", {}),
            ("glute-bridge", {}),
            ("partial-curl", {}),
            ("side-plank-knees", {"reps": 3}),
        ],
    },
    {
        "slug": "no-floor-needed",
        "title": "No floor needed: chair and standing",
        "summary": "A full routine you can do without getting down on the floor.",
        "who_for": (
            "For anyone who finds it hard to get down to the floor and back up. "
            "You need a sturdy chair."
        ),
        "minutes": 15,
        "how_often": "Once a day",
        "items": [
            ("seated-core-bracing", {}),
            ("hamstring-stretch", {"reps": 2}),
            ("sit-to-stand", {"sets": 1}),
            ("walking", {"note": "Walk for 10 minutes."}),
        ],
    },
]

# Links between exercises: easier, harder and alternatives, by slug.
LINKS: dict[str, dict] = {
    "core-bracing": {"harder": "bird-dog", "alternatives": ["seated-core-bracing", "pelvic-tilt"]},
    "seated-core-bracing": {"harder": "core-bracing", "alternatives": ["pelvic-tilt"]},
    "pelvic-tilt": {"harder": "glute-bridge", "alternatives": ["cat-camel"]},
    "knee-to-chest": {"alternatives": ["cat-camel", "hamstring-stretch"]},
    "glute-bridge": {"easier": "pelvic-tilt", "harder": "lunge", "alternatives": ["sit-to-stand"]},
    "bird-dog": {"easier": "core-bracing", "harder": "side-plank-knees"},
    "cat-camel": {"alternatives": ["pelvic-tilt", "knee-to-chest"]},
    "partial-curl": {"easier": "core-bracing", "alternatives": ["side-plank-knees"]},
    "side-plank-knees": {"easier": "bird-dog", "alternatives": ["partial-curl"]},
    "hamstring-stretch": {"alternatives": ["knee-to-chest"]},
    "sit-to-stand": {"harder": "lunge", "alternatives": ["glute-bridge"]},
    "lunge": {"easier": "sit-to-stand", "alternatives": ["glute-bridge"]},
    "walking": {"alternatives": ["sit-to-stand"]},
}
