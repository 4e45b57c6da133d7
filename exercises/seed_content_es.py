"""The library's seed content in Spanish, for Spanish-speaking patients in the US.

Written in plain Spanish with "usted", keeping the clinical meaning of the English text exactly
(steps in the same order, the same dosage, warning signs and precautions). A translation is new
content: it names no reviewer and no date, and its pages say the Spanish version awaits review until
a clinician records a review of it (exercises.models.ContentReview, language "es").

Loaded by `manage.py seed_exercises` into the `*_es` fields beside the English (seed_content.py).
"""

# The same shared stop signs as the English COMMON_STOP, in the same order.
COMMON_STOP = [
    "El dolor baja por la pierna más abajo de la rodilla.",
    "Siente entumecimiento, hormigueo o debilidad nuevos en una pierna.",
    "El dolor empeora al día siguiente y no se calma.",
]

FLOOR_PRECAUTION = (
    "Si no puede bajar al piso y volver a levantarse, haga este ejercicio en una cama firme."
)

EXERCISES: dict[str, dict] = {
    "core-bracing": {
        "title": "Apretar el abdomen (activar el centro del cuerpo)",
        "summary": "Apriete suavemente los músculos de su abdomen para darle apoyo a la espalda.",
        "why_it_helps": (
            "Los músculos alrededor de su abdomen funcionan como un cinturón alrededor de la columna. "
            "Aprender a apretarlos suavemente ayuda a que su espalda se sienta firme. "
            "Es el primer paso para la mayoría de los otros ejercicios de esta página."
        ),
        "steps": [
            "Acuéstese boca arriba sobre una colchoneta o una alfombra.",
            "Doble las rodillas y ponga los pies planos en el piso.",
            "Apoye las puntas de los dedos en el abdomen, justo por dentro de los huesos de la cadera.",
            "Respire normalmente.",
            "Al soltar el aire, apriete el abdomen como si esperara un golpecito suave.",
            "Su abdomen debe ponerse firme bajo los dedos.",
            "No meta ni saque el abdomen. Manténgalo plano y firme.",
            "Use solo un poco de fuerza, más o menos la cuarta parte de su máximo.",
            "Siga respirando despacio mientras aguanta.",
            "Relaje el abdomen y descanse unos segundos.",
        ],
        "one_repetition": "Una vez es apretar, aguantar y después soltar.",
        "dosage_note": "",
        "easier_version": "Aguante solo 2 o 3 segundos. O hágalo sentado en una silla.",
        "progression": (
            "Aguante 10 segundos. Después, mantenga el abdomen apretado mientras desliza "
            "un talón por el piso."
        ),
        "feel": (
            "Debe sentir que el abdomen se pone firme bajo los dedos. "
            "Su espalda debe quedarse quieta. Debe poder seguir respirando y hablando."
        ),
        "mistakes": [
            "Aguantar la respiración.",
            "Meter el ombligo hacia adentro o sacar el abdomen hacia afuera.",
            "Empujar la espalda contra el piso.",
            "Apretar tan fuerte que se tensan las costillas o los hombros.",
        ],
        "stop_if": ["Siente un dolor agudo en la espalda.", *COMMON_STOP],
        "precautions": [
            "Si está embarazada, después de los primeros tres meses hágalo sentada.",
            "Si tuvo una cirugía reciente del abdomen o de la espalda, pregúntele primero a su cirujano.",
            FLOOR_PRECAUTION,
        ],
        "illustration_alt": (
            "Una persona acostada boca arriba sobre una colchoneta, con las rodillas dobladas "
            "y los pies planos. Las dos manos descansan sobre el abdomen."
        ),
    },
    "seated-core-bracing": {
        "title": "Apretar el abdomen sentado en una silla",
        "summary": "El mismo apretón suave del abdomen, hecho sentado en una silla.",
        "why_it_helps": (
            "Puede entrenar los músculos del abdomen sin bajar al piso. "
            "Puede hacerlo en el escritorio, en el carro o mientras ve televisión."
        ),
        "steps": [
            "Siéntese en una silla firme con los pies planos en el piso.",
            "Siéntese derecho, sin apoyarse en el respaldo.",
            "Apoye las puntas de los dedos en el abdomen, justo por dentro de los huesos de la cadera.",
            "Al soltar el aire, apriete el abdomen suavemente.",
            "Su abdomen debe ponerse firme. No lo meta ni lo saque.",
            "Siga respirando despacio mientras aguanta.",
            "Relaje el abdomen y descanse.",
        ],
        "one_repetition": "Una vez es apretar, aguantar y después soltar.",
        "dosage_note": "",
        "easier_version": "Aguante solo 2 o 3 segundos, y haga 5 cada vez.",
        "progression": (
            "Aguante 10 segundos. Después, mantenga el abdomen apretado mientras levanta "
            "un pie un poco del piso."
        ),
        "feel": "Debe sentir que el abdomen se pone firme. Su espalda debe quedarse quieta y derecha.",
        "mistakes": [
            "Aguantar la respiración.",
            "Encorvarse o echarse hacia atrás en la silla.",
            "Subir los hombros hacia las orejas.",
        ],
        "stop_if": ["Siente un dolor agudo en la espalda.", *COMMON_STOP],
        "precautions": [
            "Use una silla que no tenga ruedas y que no se vuelque.",
            "Si tuvo una cirugía reciente del abdomen o de la espalda, pregúntele primero a su cirujano.",
        ],
        "illustration_alt": (
            "Una persona sentada derecha en la parte de adelante de una silla, sin tocar el respaldo. "
            "Los dos pies están planos y las dos manos descansan sobre el abdomen."
        ),
    },
    "pelvic-tilt": {
        "title": "Inclinación de la pelvis",
        "summary": "Mueva la cadera suavemente para aliviar una espalda baja rígida.",
        "why_it_helps": (
            "Los movimientos pequeños y lentos ayudan a aflojar una espalda rígida. "
            "Este también le enseña a controlar los músculos de la cadera y del abdomen."
        ),
        "steps": [
            "Acuéstese boca arriba sobre una colchoneta o una alfombra.",
            "Doble las rodillas y ponga los pies planos en el piso.",
            "Apriete un poco los músculos del abdomen.",
            "Incline la cadera hacia arriba para que la espalda baja presione suavemente el piso.",
            "Aguante y siga respirando.",
            "Incline la cadera hacia atrás para que la espalda baja se arquee un poco.",
            "Vuelva al centro y relájese.",
        ],
        "one_repetition": "Una vez es un movimiento hacia atrás y uno hacia adelante.",
        "dosage_note": "",
        "easier_version": "Haga el movimiento más pequeño, y haga solo 5.",
        "progression": "Hágalo de pie con la espalda contra una pared. O pase al puente.",
        "feel": (
            "Debe sentir un movimiento suave en la espalda baja y la cadera. "
            "Al principio puede sentirse un poco rígido."
        ),
        "mistakes": [
            "Levantar las nalgas del piso.",
            "Empujar con los pies en vez de usar el abdomen.",
            "Moverse rápido. Hágalo lento y pequeño.",
        ],
        "stop_if": ["Siente un dolor agudo en la espalda.", *COMMON_STOP],
        "precautions": [
            (
                "Si está embarazada, después de los primeros tres meses hágalo de pie "
                "con la espalda contra una pared."
            ),
            FLOOR_PRECAUTION,
        ],
        "illustration_alt": (
            "Una persona acostada boca arriba sobre una colchoneta con las rodillas dobladas. "
            "Una flecha muestra la cadera que se inclina hacia arriba y la espalda baja que presiona hacia abajo."
        ),
    },
    "knee-to-chest": {
        "title": "Estiramiento de rodilla al pecho",
        "summary": "Abrace una rodilla contra el pecho para estirar suavemente la espalda baja.",
        "why_it_helps": (
            "Este estiramiento puede aliviar una espalda rígida y adolorida, y ayudarle a moverse mejor. "
            "Estirar por sí solo no le da fuerza. "
            "Para mejores resultados, hágalo junto con los ejercicios de abdomen, el puente y caminar."
        ),
        "steps": [
            "Acuéstese boca arriba sobre una colchoneta o una alfombra.",
            "Doble las dos rodillas y ponga los pies planos en el piso.",
            "Apriete un poco los músculos del abdomen.",
            "Levante una rodilla y agárrela con las dos manos.",
            "Jale la rodilla despacio hacia el pecho hasta sentir un estiramiento suave.",
            "Aguante y siga respirando.",
            "Baje el pie de nuevo al piso.",
            "Haga lo mismo con la otra pierna.",
        ],
        "one_repetition": "Una vez es un estiramiento con cada pierna.",
        "dosage_note": "",
        "easier_version": "Agarre la parte de atrás del muslo, no la rodilla, y jale menos.",
        "progression": (
            "Aguante hasta 30 segundos. Suelte el aire mientras acerca la rodilla un poco más."
        ),
        "feel": "Debe sentir un estiramiento suave en la espalda baja y la nalga. Hágalo con calma.",
        "mistakes": [
            "Jalar fuerte o dar rebotes.",
            "Levantar la cabeza y los hombros del piso.",
            "Aguantar la respiración.",
        ],
        "stop_if": ["El estiramiento empeora su dolor de espalda.", *COMMON_STOP],
        "precautions": [
            (
                "Si tiene una cadera o una rodilla artificial, pregúntele a su cirujano "
                "cuánto la puede doblar."
            ),
            (
                "Si tiene los huesos débiles (osteoporosis), jale suavemente y no jale "
                "las dos rodillas a la vez."
            ),
            FLOOR_PRECAUTION,
        ],
        "illustration_alt": (
            "Una persona acostada boca arriba sobre una colchoneta. "
            "Las dos manos abrazan una rodilla hacia el pecho. El otro pie se queda plano."
        ),
    },
    "glute-bridge": {
        "title": "Puente",
        "summary": "Levante la cadera del piso para fortalecer las nalgas y la espalda.",
        "why_it_helps": (
            "Unos músculos de las nalgas fuertes le quitan carga a la espalda baja. "
            "El puente los trabaja mientras su espalda se queda firme."
        ),
        "steps": [
            "Acuéstese boca arriba sobre una colchoneta o una alfombra.",
            "Doble las rodillas y ponga los pies planos, separados al ancho de la cadera.",
            "Ponga los brazos a los lados del cuerpo.",
            "Apriete el abdomen y apriete las nalgas.",
            "Levante la cadera hasta que su cuerpo forme una línea recta de las rodillas a los hombros.",
            "Aguante y siga respirando.",
            "Baje la cadera despacio al piso.",
        ],
        "one_repetition": "Una vez es subir, aguantar y bajar.",
        "dosage_note": "",
        "easier_version": "Levante la cadera solo un poco, y aguante 1 segundo.",
        "progression": (
            "Aguante de 5 a 10 segundos. Más adelante, levante un pie un poco del piso mientras aguanta."
        ),
        "feel": (
            "Debe sentir que trabajan las nalgas y la parte de atrás de los muslos. "
            "La espalda puede sentirse caliente por el esfuerzo."
        ),
        "mistakes": [
            "Subir demasiado y arquear la espalda.",
            "Dejar que las rodillas se caigan hacia adentro o hacia afuera.",
            "Empujar con las puntas de los pies en vez de los talones.",
        ],
        "stop_if": [
            "Siente un dolor agudo en la espalda.",
            "Le da un calambre en la parte de atrás del muslo.",
            *COMMON_STOP,
        ],
        "precautions": [
            (
                "Si está embarazada, después de los primeros tres meses pregúntele a su partera "
                "o a su médico antes de acostarse boca arriba."
            ),
            "Si tuvo una cirugía reciente de la espalda, pregúntele primero a su cirujano.",
            FLOOR_PRECAUTION,
        ],
        "illustration_alt": (
            "Una persona acostada sobre una colchoneta con las rodillas dobladas y la cadera levantada. "
            "El cuerpo forma una línea recta de las rodillas a los hombros."
        ),
    },
    "bird-dog": {
        "title": "Perro de caza (brazo y pierna opuestos)",
        "summary": (
            "En manos y rodillas, estire un brazo y la pierna contraria, y mantenga la espalda quieta."
        ),
        "why_it_helps": (
            "Entrena los músculos que mantienen firme la columna mientras se mueven los brazos "
            "y las piernas. Eso es lo que su espalda necesita hacer todo el día."
        ),
        "steps": [
            "Póngase en manos y rodillas sobre una colchoneta.",
            "Ponga las manos debajo de los hombros y las rodillas debajo de la cadera.",
            "Apriete un poco los músculos del abdomen.",
            "Deslice una pierna hacia atrás por el piso y levántela a la altura de la cadera.",
            "Si se siente firme, levante el brazo contrario hacia adelante.",
            "Aguante, con la espalda plana como una mesa.",
            "Baje el brazo y la pierna.",
            "Haga lo mismo con el otro brazo y la otra pierna.",
        ],
        "one_repetition": "Una vez es estirarse una vez de cada lado.",
        "dosage_note": "",
        "easier_version": "Levante solo una pierna, o solo un brazo, cada vez.",
        "progression": "Aguante 10 segundos. Mantenga la espalda quieta como una mesa todo el tiempo.",
        "feel": (
            "Debe sentir que trabajan los músculos del abdomen, la espalda y las nalgas "
            "para mantenerle firme."
        ),
        "mistakes": [
            "Levantar la pierna demasiado, de modo que se arquea la espalda.",
            "Dejar que la cadera se incline hacia un lado.",
            "Dejar caer la cabeza. Mire al piso justo delante de las manos.",
        ],
        "stop_if": [
            "Siente un dolor agudo en la espalda.",
            "Le duelen las muñecas o las rodillas. Ponga una almohada debajo de las rodillas.",
            *COMMON_STOP,
        ],
        "precautions": [
            "Si le duelen las muñecas, apóyese en los puños o en los antebrazos.",
            "Si no puede arrodillarse, mejor haga el ejercicio de apretar el abdomen en una silla.",
        ],
        "illustration_alt": (
            "Una persona en manos y rodillas sobre una colchoneta estira un brazo hacia adelante "
            "y la pierna contraria hacia atrás. La espalda está plana."
        ),
    },
    "cat-camel": {
        "title": "Gato y camello",
        "summary": "En manos y rodillas, redondee la espalda despacio y después húndala.",
        "why_it_helps": (
            "El movimiento lento ayuda a aflojar una espalda rígida. "
            "Es una buena manera de calentar antes de los otros ejercicios."
        ),
        "steps": [
            "Póngase en manos y rodillas sobre una colchoneta.",
            "Ponga las manos debajo de los hombros y las rodillas debajo de la cadera.",
            "Suelte el aire y redondee la espalda hacia el techo, como un gato.",
            "Deje caer la cabeza suavemente.",
            "Tome aire y deje que el abdomen baje hacia el piso.",
            "Levante un poco la cabeza y mire hacia adelante.",
            "Muévase despacio entre las dos posiciones.",
        ],
        "one_repetition": "Una vez es redondear hacia arriba una vez y hundir hacia abajo una vez.",
        "dosage_note": "Muévase despacio. Cada posición toma unos 3 segundos.",
        "easier_version": (
            "Haga los movimientos más pequeños. O siéntese en una silla: redondee la espalda "
            "y después siéntese derecho."
        ),
        "progression": "Muévase un poco más cada vez. Haga una pausa de 2 segundos en cada posición.",
        "feel": (
            "Debe sentir que la espalda se dobla y se afloja. Muévase solo hasta donde esté cómodo."
        ),
        "mistakes": [
            "Moverse rápido o de golpe.",
            "Forzarse a una posición que duele.",
            "Doblar los codos. Mantenga los brazos rectos.",
        ],
        "stop_if": ["Bajar el abdomen le causa un dolor agudo.", *COMMON_STOP],
        "precautions": [
            "Si le duelen las muñecas, apóyese en los puños.",
            "Si no puede arrodillarse, mejor haga la inclinación de la pelvis acostado.",
        ],
        "illustration_alt": (
            "Una persona en manos y rodillas sobre una colchoneta redondea la espalda hacia el techo, "
            "con la cabeza hacia abajo."
        ),
    },
    "partial-curl": {
        "title": "Abdominal parcial",
        "summary": "Levante solo la cabeza y los hombros para fortalecer los músculos del abdomen.",
        "why_it_helps": (
            "Fortalece los músculos de la parte de adelante del abdomen. "
            "Solo sube un poco, así que es más suave para su espalda que un abdominal completo."
        ),
        "steps": [
            "Acuéstese boca arriba sobre una colchoneta o una alfombra.",
            "Doble las rodillas y ponga los pies planos en el piso.",
            "Cruce los brazos sobre el pecho.",
            "Apriete los músculos del abdomen.",
            "Suelte el aire y levante la cabeza y los hombros apenas del piso.",
            "Aguante y siga respirando.",
            "Baje la cabeza y los hombros despacio.",
        ],
        "one_repetition": "Una vez es subir, aguantar y bajar.",
        "dosage_note": "",
        "easier_version": "Levante solo la cabeza, y deje los hombros en el piso.",
        "progression": (
            "Aguante 5 segundos. Más adelante, ponga las puntas de los dedos junto a las orejas. "
            "No jale del cuello."
        ),
        "feel": "Debe sentir que trabajan los músculos del abdomen. El cuello debe estar relajado.",
        "mistakes": [
            "Jalar de la cabeza o del cuello.",
            "Sentarse por completo.",
            "Aguantar la respiración.",
        ],
        "stop_if": ["Le duele el cuello.", "Siente un dolor agudo en la espalda.", *COMMON_STOP],
        "precautions": [
            (
                "Si tiene los huesos débiles (osteoporosis), no haga este ejercicio. "
                "Doblarse hacia adelante puede dañar los huesos débiles. "
                "Mejor haga el ejercicio de apretar el abdomen."
            ),
            "Si está embarazada, no lo haga después de los primeros tres meses.",
            "Si tuvo una cirugía reciente del abdomen o de la espalda, pregúntele primero a su cirujano.",
        ],
        "illustration_alt": (
            "Una persona acostada sobre una colchoneta con las rodillas dobladas y los brazos "
            "cruzados sobre el pecho. La cabeza y los hombros se levantan apenas de la colchoneta."
        ),
    },
    "side-plank-knees": {
        "title": "Plancha de lado sobre las rodillas",
        "summary": (
            "Levante la cadera acostado de lado para trabajar los músculos del costado del cuerpo."
        ),
        "why_it_helps": (
            "Los músculos del costado del cuerpo ayudan a mantener firme la columna cuando carga cosas. "
            "Hacerlo sobre las rodillas lo hace más fácil."
        ),
        "steps": [
            "Acuéstese de lado sobre una colchoneta.",
            "Apóyese en el codo, justo debajo del hombro.",
            "Doble las rodillas para que los pies queden detrás de usted.",
            "Apriete los músculos del abdomen.",
            "Levante la cadera para que su cuerpo forme una línea recta de las rodillas a la cabeza.",
            "Aguante y siga respirando.",
            "Baje la cadera despacio.",
            "Voltéese y haga lo mismo del otro lado.",
        ],
        "one_repetition": "Una vez es subir y aguantar una vez de cada lado.",
        "dosage_note": "",
        "easier_version": (
            "Párese de lado junto a una pared con el antebrazo apoyado en ella. "
            "Inclínese hacia la pared y aguante 5 segundos."
        ),
        "progression": "Aguante 5 segundos más cada semana, hasta llegar a 30 segundos.",
        "feel": "Debe sentir que trabajan el costado del cuerpo y el hombro.",
        "mistakes": [
            "Dejar que la cadera se caiga hacia el piso.",
            "Rodar hacia adelante o hacia atrás.",
            "Poner el codo muy lejos del hombro.",
        ],
        "stop_if": ["Le duele el hombro.", "Siente un dolor agudo en la espalda.", *COMMON_STOP],
        "precautions": [
            "Si tiene un problema en el hombro, no haga este ejercicio o pregúntele a su terapeuta.",
            "Si está embarazada, pregúntele primero a su partera o a su médico.",
            FLOOR_PRECAUTION,
        ],
        "illustration_alt": (
            "Una persona acostada de lado sobre una colchoneta, apoyada en un codo debajo del hombro, "
            "con el antebrazo plano sobre la colchoneta y las rodillas dobladas. "
            "La cadera está levantada y el cuerpo está recto de las rodillas a la cabeza."
        ),
    },
    "hamstring-stretch": {
        "title": "Estiramiento de la parte de atrás del muslo en una silla",
        "summary": "Estire la parte de atrás del muslo sentado. No tiene que bajar al piso.",
        "why_it_helps": (
            "Los músculos tensos de la parte de atrás de los muslos pueden jalar la espalda baja. "
            "Un estiramiento suave puede ayudarle a agacharse y a sentarse con más comodidad."
        ),
        "steps": [
            "Siéntese cerca del borde de adelante de una silla firme.",
            "Deje un pie plano en el piso.",
            "Estire la otra pierna hacia adelante con el talón en el piso.",
            "Siéntese derecho, con la espalda recta.",
            "Inclínese hacia adelante desde la cadera hasta sentir un estiramiento suave.",
            "Aguante y siga respirando.",
            "Vuelva a sentarse derecho y cambie de pierna.",
        ],
        "one_repetition": "Una vez es un estiramiento con cada pierna.",
        "dosage_note": "",
        "easier_version": "Inclínese menos, o doble un poco la rodilla de la pierna estirada.",
        "progression": (
            "Aguante 30 segundos. Más adelante, apoye el talón en un banquito bajo "
            "mientras se inclina."
        ),
        "feel": "Debe sentir un estiramiento suave en la parte de atrás del muslo.",
        "mistakes": [
            "Redondear la espalda para llegar más lejos.",
            "Dar rebotes mientras estira.",
            "Trabar la rodilla con fuerza. Déjela suelta.",
        ],
        "stop_if": ["Siente hormigueo o dolor que baja por la pierna.", *COMMON_STOP],
        "precautions": [
            "Use una silla que no tenga ruedas y que no se vuelque.",
            (
                "Si tiene una cadera artificial, pregúntele a su cirujano cuánto se puede "
                "inclinar hacia adelante."
            ),
        ],
        "illustration_alt": (
            "Una persona sentada en la parte de adelante de una silla, con una pierna estirada "
            "y el talón en el piso, se inclina hacia adelante con la espalda recta."
        ),
    },
    "sit-to-stand": {
        "title": "Sentarse y pararse",
        "summary": (
            "Párese de una silla y vuelva a sentarse, despacio, para fortalecer las piernas."
        ),
        "why_it_helps": (
            "Unas piernas fuertes le permiten levantar cosas y agacharse sin cargar la espalda. "
            "Es el mismo movimiento que hace cada vez que se levanta de una silla."
        ),
        "steps": [
            (
                "Siéntese cerca del borde de adelante de una silla firme, con los pies planos "
                "y separados al ancho de la cadera."
            ),
            "Cruce los brazos sobre el pecho.",
            "Apriete los músculos del abdomen.",
            "Inclínese un poco hacia adelante desde la cadera, con la espalda recta.",
            "Empuje con los talones y párese derecho.",
            "Siéntese de nuevo despacio y con control.",
        ],
        "one_repetition": "Una vez es pararse una vez y sentarse una vez.",
        "dosage_note": "",
        "easier_version": (
            "Empújese con las manos sobre los muslos. Una silla más alta también es más fácil."
        ),
        "progression": "Use una silla más baja. O tome 3 segundos para sentarse, despacio.",
        "feel": "Debe sentir que trabajan los muslos y las nalgas. La espalda debe quedarse recta.",
        "mistakes": [
            "Dejarse caer en la silla.",
            "Dejar que las rodillas se junten hacia adentro.",
            "Redondear la espalda al pararse.",
        ],
        "stop_if": ["Se siente mareado o inestable.", "Le duelen las rodillas.", *COMMON_STOP],
        "precautions": [
            "Ponga la silla contra una pared para que no se resbale.",
            "Si no se siente firme de pie, tenga a alguien cerca.",
        ],
        "illustration_alt": (
            "Una persona se para de una silla que está contra una pared, con los brazos cruzados "
            "sobre el pecho y la espalda recta."
        ),
    },
    "lunge": {
        "title": "Zancada con la espalda recta",
        "summary": "Dé un paso hacia adelante y doble las dos rodillas, con la espalda recta.",
        "why_it_helps": (
            "Las zancadas le dan la fuerza en las piernas y las nalgas que necesita para levantar cosas. "
            "También entrenan su equilibrio."
        ),
        "steps": [
            "Párese derecho con los pies separados al ancho de la cadera.",
            (
                "Apoye una mano en una pared o en el respaldo de una silla si necesita ayuda "
                "con el equilibrio."
            ),
            "Apriete los músculos del abdomen y mantenga la espalda recta.",
            "Dé un paso grande hacia adelante con un pie.",
            "Doble las dos rodillas y baje el cuerpo derecho hacia abajo.",
            "Pare cuando la rodilla de adelante esté doblada más o menos en ángulo recto (90 grados).",
            "La rodilla de adelante debe apuntar hacia el mismo lado que los dedos del pie.",
            (
                "La rodilla puede pasar un poco más adelante del tobillo. "
                "No hay problema si se siente cómodo."
            ),
            "Empuje con todo el pie de adelante para volver a pararse.",
            "Haga lo mismo con la otra pierna.",
        ],
        "one_repetition": "Una vez es una zancada con cada pierna.",
        "dosage_note": "Empiece doblando poco las rodillas.",
        "easier_version": (
            "Agárrese del respaldo de una silla con las dos manos, y doble las rodillas solo un poco."
        ),
        "progression": (
            "Baje más a medida que se haga más fuerte. Más adelante, tenga una pesa ligera "
            "en cada mano."
        ),
        "feel": "Debe sentir que trabajan los muslos y las nalgas.",
        "mistakes": [
            "Inclinarse hacia adelante o arquear la espalda.",
            "Dejar que la rodilla de adelante se vaya hacia la otra pierna.",
            "Levantar del piso el talón de adelante.",
        ],
        "stop_if": [
            "Le duele la rodilla.",
            "Se siente mareado o pierde el equilibrio.",
            *COMMON_STOP,
        ],
        "precautions": [
            (
                "Si tiene problemas de rodilla o poco equilibrio, mejor haga el ejercicio "
                "de sentarse y pararse."
            ),
            "Si está embarazada, agárrese de algo firme.",
        ],
        "illustration_alt": (
            "Una persona de pie con un pie adelante y las dos rodillas dobladas. "
            "La rodilla de adelante está doblada en ángulo recto y la espalda está recta."
        ),
    },
    "walking": {
        "title": "Caminar",
        "summary": "Caminar todos los días es una de las mejores cosas que puede hacer para el dolor de espalda.",
        "why_it_helps": (
            "Caminar mantiene su espalda en movimiento y sus músculos trabajando. "
            "También ayuda a su ánimo y a su sueño. "
            "Quedarse en cama no ayuda a que sane el dolor de espalda."
        ),
        "steps": [
            "Póngase zapatos cómodos y planos.",
            "Párese derecho y relaje los hombros.",
            "Camine a un paso en el que todavía pueda hablar.",
            "Deje que los brazos se balanceen suavemente.",
            "Empiece con una caminata corta, aunque sea de 5 minutos.",
            "Camine un poco más cada semana.",
        ],
        "one_repetition": "Una vez es una caminata.",
        "dosage_note": "Empiece con 5 a 10 minutos.",
        "easier_version": "Dé 2 o 3 caminatas cortas de 5 minutos en vez de una larga.",
        "progression": (
            "Añada unos minutos cada semana, hasta 30 minutos al día. "
            "Más adelante, camine un poco más rápido."
        ),
        "feel": "Debe sentir calor y respirar un poco más rápido.",
        "mistakes": [
            "Hacer demasiado en un día bueno y después nada al día siguiente.",
            "Esperar a que se le quite el dolor para empezar.",
            "Mirarse los pies todo el tiempo.",
        ],
        "stop_if": [
            (
                "Le duelen las piernas o las siente débiles al caminar, y se le alivia "
                "cuando descansa."
            ),
            *COMMON_STOP,
        ],
        "precautions": [
            "Si tiene problemas del corazón o de los pulmones, pregúntele a su médico cuánto caminar.",
            "Al principio, escoja un terreno plano y parejo.",
        ],
        "illustration_alt": (
            "Una persona camina derecha con los brazos balanceándose suavemente a los lados."
        ),
    },
}

# Notes on routine items are keyed by the exercise's slug within the routine.
ROUTINES: dict[str, dict] = {
    "gentle-start": {
        "title": "Comienzo suave: 10 minutos al día",
        "summary": (
            "Movimientos fáciles para aflojarse y activar el abdomen cuando le duele la espalda."
        ),
        "who_for": (
            "Para los primeros días o semanas de dolor de espalda. "
            "Es buena si hace tiempo que no hace ejercicio."
        ),
        "how_often": "Una o dos veces al día",
        "notes": {"walking": "Camine 5 minutos."},
    },
    "core-stability": {
        "title": "Firmeza del centro del cuerpo: 15 minutos",
        "summary": "Fortalezca los músculos que mantienen firme su columna.",
        "who_for": "Para cuando el comienzo suave le resulte fácil y su dolor se esté calmando.",
        "how_often": "Una vez al día, 5 días a la semana",
        "notes": {},
    },
    "no-floor-needed": {
        "title": "Sin bajar al piso: en silla y de pie",
        "summary": "Una rutina completa que puede hacer sin bajar al piso.",
        "who_for": (
            "Para cualquier persona a quien le cueste bajar al piso y volver a levantarse. "
            "Necesita una silla firme."
        ),
        "how_often": "Una vez al día",
        "notes": {"walking": "Camine 10 minutos."},
    },
}
