"""The demo facts, as plain data (no Django imports): loaded by :mod:`community.demo.loader`.

Branches are real médiathèques of the Bouches-du-Rhône. Street addresses, phone numbers and
websites are given only where they are known; otherwise the field names the place (building,
square) or is left empty. Coordinates are to about 10 m. No card sign-up link is given: none is
known for sure, and links are never made up. In Marseille, ``insee`` is the INSEE code of the
arrondissement (13201–13216), as :func:`cms.geo.by_insee` expects.

Every key used to find a row again (interest and branch slugs, community slugs, emails) is a
natural key: changing one creates a new row on the next ``load_demo``.
"""

DEMO_PASSWORD = "affinites-demo"

LIBRARIANS_GROUP = "Bibliothécaires"
ADMINS_GROUP = "Administrateurs réseau"

# ---------------------------------------------------------------------------------------------
# Interests: two levels. Top-level interests are listed in display order; children likewise.
# ---------------------------------------------------------------------------------------------

INTERESTS = [
    {
        "name": "Imaginaire",
        "slug": "imaginaire",
        "description": "Les littératures de l'imaginaire : mondes futurs, royaumes magiques et récits qui font frissonner.",
        "children": [
            ("Science-fiction", "science-fiction"),
            ("Fantasy", "fantasy"),
            ("Fantastique", "fantastique"),
        ],
    },
    {
        "name": "BD",
        "slug": "bd",
        "description": "La bande dessinée sous toutes ses formes, d'Europe, d'Asie et d'Amérique.",
        "children": [
            ("Manga", "manga"),
            ("Comics", "comics"),
            ("BD franco-belge", "bd-franco-belge"),
        ],
    },
    {
        "name": "Musique",
        "slug": "musique",
        "description": "Écouter, découvrir et partager la musique : disques, partitions, concerts.",
        "children": [
            ("Jazz", "jazz"),
            ("Rap", "rap"),
            ("Classique", "musique-classique"),
            ("Rock", "rock"),
            ("Musiques du monde", "musiques-du-monde"),
        ],
    },
    {
        "name": "Romans",
        "slug": "romans",
        "description": "Le roman sous toutes ses formes, des grands classiques aux parutions de l'année.",
        "children": [
            ("Polar", "polar"),
            ("Romance", "romance"),
            ("Littérature classique", "litterature-classique"),
        ],
    },
    {
        "name": "Cinéma",
        "slug": "cinema",
        "description": "Films de fiction, d'animation et documentaires, à emprunter ou à voir ensemble.",
        "children": [
            ("Cinéma d'animation", "cinema-d-animation"),
            ("Documentaire", "documentaire"),
        ],
    },
    {
        "name": "Jeux",
        "slug": "jeux",
        "description": "Jouer seul ou à plusieurs, sur écran ou autour d'une table.",
        "children": [
            ("Jeux vidéo", "jeux-video"),
            ("Jeux de société", "jeux-de-societe"),
        ],
    },
    {
        "name": "Cuisine",
        "slug": "cuisine",
        "description": "Recettes, cuisines du monde et gastronomie provençale.",
        "children": [],
    },
    {
        "name": "Langues",
        "slug": "langues",
        "description": "Apprendre une langue, pratiquer la conversation, lire en version originale.",
        "children": [],
    },
    {
        "name": "Numérique",
        "slug": "numerique",
        "description": "Se former à l'informatique et à internet, créer, programmer, protéger ses données.",
        "children": [],
    },
    {
        "name": "Jeunesse",
        "slug": "jeunesse",
        "description": "Albums, contes, romans et documentaires pour les enfants et les adolescents.",
        "children": [],
    },
    {
        "name": "Histoire locale",
        "slug": "histoire-locale",
        "description": "Le passé de Marseille et de la Provence : patrimoine, archives, langue provençale.",
        "children": [],
    },
    {
        "name": "Nature et jardinage",
        "slug": "nature-et-jardinage",
        "description": "Jardiner, observer la faune et la flore, découvrir les paysages de la région.",
        "children": [],
    },
    {
        "name": "Sciences",
        "slug": "sciences",
        "description": "Astronomie, sciences de la vie, physique, mathématiques : comprendre le monde.",
        "children": [],
    },
    {
        "name": "Arts et photo",
        "slug": "arts-et-photo",
        "description": "Peinture, photographie, architecture et arts graphiques.",
        "children": [],
    },
    {
        "name": "Voyages",
        "slug": "voyages",
        "description": "Guides, récits de voyage et cartes pour partir, ou rêver de partir.",
        "children": [],
    },
    {
        "name": "Santé et bien-être",
        "slug": "sante-et-bien-etre",
        "description": "Prendre soin de soi : santé, sport, alimentation, relaxation.",
        "children": [],
    },
]

# ---------------------------------------------------------------------------------------------
# Branches: real médiathèques of the Bouches-du-Rhône.
# ---------------------------------------------------------------------------------------------

BRANCHES = [
    {
        "slug": "alcazar",
        "code": "ALC",
        "name": "Bibliothèque de l'Alcazar",
        "address": "58 cours Belsunce",
        "postcode": "13001",
        "commune": "Marseille",
        "insee": "13201",
        "latitude": 43.2989,
        "longitude": 5.3766,
        "phone": "04 91 55 90 00",
        "website": "https://www.bmvr.marseille.fr/",
    },
    {
        "slug": "le-panier",
        "code": "PAN",
        "name": "Bibliothèque du Panier",
        "address": "Maison Diamantée, rue de la Prison",
        "postcode": "13002",
        "commune": "Marseille",
        "insee": "13202",
        "latitude": 43.2968,
        "longitude": 5.3687,
    },
    {
        "slug": "archives-et-bibliotheque-departementales",
        "code": "ABD",
        "name": "Archives et bibliothèque départementales Gaston-Defferre",
        "address": "18-20 rue Mirès",
        "postcode": "13003",
        "commune": "Marseille",
        "insee": "13203",
        "latitude": 43.3128,
        "longitude": 5.3716,
        "phone": "04 13 31 82 00",
    },
    {
        "slug": "cinq-avenues",
        "code": "CAV",
        "name": "Bibliothèque des Cinq-Avenues",
        "address": "Impasse Fissiaux",
        "postcode": "13004",
        "commune": "Marseille",
        "insee": "13204",
        "latitude": 43.3045,
        "longitude": 5.3985,
    },
    {
        "slug": "castellane",
        "code": "CAS",
        "name": "Bibliothèque de Castellane",
        "address": "Place Castellane (station de métro Castellane)",
        "postcode": "13006",
        "commune": "Marseille",
        "insee": "13206",
        "latitude": 43.2861,
        "longitude": 5.3837,
    },
    {
        "slug": "bonneveine",
        "code": "BON",
        "name": "Médiathèque de Bonneveine",
        "address": "Centre Vie, 124 avenue de Hambourg",
        "postcode": "13008",
        "commune": "Marseille",
        "insee": "13208",
        "latitude": 43.2506,
        "longitude": 5.3874,
    },
    {
        "slug": "la-grognarde",
        "code": "GRO",
        "name": "Bibliothèque de la Grognarde",
        "address": "2 square Berthier",
        "postcode": "13011",
        "commune": "Marseille",
        "insee": "13211",
        "latitude": 43.2943,
        "longitude": 5.4339,
    },
    {
        "slug": "le-merlan",
        "code": "MER",
        "name": "Bibliothèque du Merlan",
        "address": "Centre urbain du Merlan, avenue Raimu",
        "postcode": "13014",
        "commune": "Marseille",
        "insee": "13214",
        "latitude": 43.3405,
        "longitude": 5.4045,
    },
    {
        "slug": "salim-hatubou",
        "code": "SHA",
        "name": "Médiathèque Salim-Hatubou",
        "address": "Plan d'Aou, Saint-Antoine",
        "postcode": "13015",
        "commune": "Marseille",
        "insee": "13215",
        "latitude": 43.3697,
        "longitude": 5.3628,
    },
    {
        "slug": "saint-andre",
        "code": "SAN",
        "name": "Bibliothèque de Saint-André",
        "address": "6 boulevard Salducci",
        "postcode": "13016",
        "commune": "Marseille",
        "insee": "13216",
        "latitude": 43.3560,
        "longitude": 5.3400,
    },
    {
        "slug": "mejanes",
        "code": "MEJ",
        "name": "Bibliothèque Méjanes",
        "address": "Cité du Livre, 8-10 rue des Allumettes",
        "postcode": "13090",
        "commune": "Aix-en-Provence",
        "insee": "13001",
        "latitude": 43.5236,
        "longitude": 5.4402,
        "phone": "04 42 91 98 88",
        "website": "http://www.citedulivre-aix.com/",
    },
    {
        "slug": "marcel-pagnol-aubagne",
        "code": "AUB",
        "name": "Médiathèque Marcel-Pagnol",
        "address": "Chemin de Riquet",
        "postcode": "13400",
        "commune": "Aubagne",
        "insee": "13005",
        "latitude": 43.2920,
        "longitude": 5.5700,
    },
    {
        "slug": "arles",
        "code": "ARL",
        "name": "Médiathèque d'Arles",
        "address": "Espace Van Gogh, place Félix-Rey",
        "postcode": "13200",
        "commune": "Arles",
        "insee": "13004",
        "latitude": 43.6747,
        "longitude": 4.6270,
        "phone": "04 90 49 39 39",
    },
    {
        "slug": "louis-aragon-martigues",
        "code": "MAR",
        "name": "Médiathèque Louis-Aragon",
        "address": "Quai des Anglais, quartier de l'Île",
        "postcode": "13500",
        "commune": "Martigues",
        "insee": "13056",
        "latitude": 43.4049,
        "longitude": 5.0516,
        "phone": "04 42 80 27 97",
    },
    {
        "slug": "simone-veil-la-ciotat",
        "code": "CIO",
        "name": "Médiathèque Simone-Veil",
        "address": "Ancien hospice Saint-Jacques",
        "postcode": "13600",
        "commune": "La Ciotat",
        "insee": "13028",
        "latitude": 43.1757,
        "longitude": 5.6050,
    },
    {
        "slug": "la-passerelle-vitrolles",
        "code": "VIT",
        "name": "Médiathèque La Passerelle",
        "address": "Place de la Liberté, quartier des Pins",
        "postcode": "13127",
        "commune": "Vitrolles",
        "insee": "13117",
        "latitude": 43.4535,
        "longitude": 5.2470,
    },
    {
        "slug": "nelson-mandela-gardanne",
        "code": "GAR",
        "name": "Médiathèque Nelson-Mandela",
        "address": "Boulevard Paul-Cézanne",
        "postcode": "13120",
        "commune": "Gardanne",
        "insee": "13041",
        "latitude": 43.4555,
        "longitude": 5.4700,
    },
]

# ---------------------------------------------------------------------------------------------
# Communities: pages under the community index (/communautes/), found again by slug.
# ---------------------------------------------------------------------------------------------

COMMUNITIES = [
    {
        "slug": "voyageurs-de-l-imaginaire",
        "title": "Les Voyageurs de l'Imaginaire",
        "summary": "Science-fiction, fantasy et fantastique : on lit, on conseille, on débat.",
        "description": (
            "<p>Des robots d'Isaac Asimov aux dragons d'Ursula K. Le Guin, en passant par les "
            "maisons hantées de Shirley Jackson, partagez vos lectures de l'imaginaire. "
            "Chaque membre peut proposer un coup de cœur ou demander conseil pour sortir de ses "
            "habitudes. Les bibliothécaires signalent les nouveautés arrivées dans les "
            "médiathèques du réseau.</p>"
        ),
        "interests": ["science-fiction", "fantasy", "fantastique"],
        "branches": ["alcazar", "mejanes", "la-passerelle-vitrolles"],
    },
    {
        "slug": "club-manga",
        "title": "Club Manga",
        "summary": "Shōnen, shōjo, seinen : le coin des lecteurs et lectrices de manga.",
        "description": (
            "<p>Vous suivez une série depuis le premier tome ou vous cherchez par où commencer ? "
            "Le club rassemble les amateurs de manga de tous âges pour parler des séries en "
            "cours, des classiques d'Osamu Tezuka et des adaptations en anime. Proposez les "
            "titres que vous aimeriez voir arriver dans les rayons.</p>"
        ),
        "interests": ["manga"],
        "branches": ["alcazar", "salim-hatubou", "marcel-pagnol-aubagne"],
    },
    {
        "slug": "bulles-et-cases",
        "title": "Bulles et cases",
        "summary": "La BD franco-belge et les comics, des albums patrimoniaux aux romans graphiques.",
        "description": (
            "<p>De Tintin et Astérix aux romans graphiques d'aujourd'hui, des super-héros Marvel "
            "et DC aux comics indépendants, on échange ici sur la bande dessinée européenne et "
            "américaine. Partagez vos découvertes, vos séries préférées et vos auteurs "
            "fétiches.</p>"
        ),
        "interests": ["bd-franco-belge", "comics"],
        "branches": ["alcazar", "bonneveine", "simone-veil-la-ciotat"],
    },
    {
        "slug": "jazz-et-musiques-improvisees",
        "title": "Jazz et musiques improvisées",
        "summary": "Pour écouter, partager et découvrir le jazz, du be-bop aux musiques improvisées.",
        "description": (
            "<p>Que vous connaissiez par cœur les disques de Miles Davis ou que vous découvriez "
            "à peine John Coltrane et Nina Simone, cette communauté est faite pour échanger "
            "écoutes et recommandations. Les médiathèques prêtent des disques, des partitions "
            "et des livres sur l'histoire du jazz.</p>"
        ),
        "interests": ["jazz"],
        "branches": ["alcazar", "mejanes"],
    },
    {
        "slug": "polar-et-romans-noirs",
        "title": "Polar et romans noirs",
        "summary": "Enquêtes, romans noirs et thrillers, de Marseille à Stockholm.",
        "description": (
            "<p>Marseille a son roman noir, de la trilogie de Jean-Claude Izzo (Total Khéops, "
            "Chourmo, Solea) à ses héritiers. On y parle aussi des grands auteurs américains "
            "et des polars nordiques. Partagez vos lectures et les enquêtes qui vous ont tenu "
            "éveillé tard.</p>"
        ),
        "interests": ["polar"],
        "branches": ["alcazar", "mejanes", "simone-veil-la-ciotat", "louis-aragon-martigues"],
    },
    {
        "slug": "cine-club",
        "title": "Ciné-club",
        "summary": "Fictions, films d'animation et documentaires à voir, revoir et discuter.",
        "description": (
            "<p>La Ciotat a vu l'une des premières projections des frères Lumière : le cinéma "
            "fait partie de l'histoire de la région. Dans ce ciné-club, on recommande des films "
            "à emprunter en DVD ou à voir en ligne, on discute des films d'animation comme des "
            "documentaires.</p>"
        ),
        "interests": ["cinema", "cinema-d-animation", "documentaire"],
        "branches": ["simone-veil-la-ciotat", "arles", "bonneveine"],
    },
    {
        "slug": "joueurs-et-joueuses",
        "title": "Joueurs et joueuses",
        "summary": "Jeux vidéo et jeux de société : trouver des partenaires et de nouveaux jeux.",
        "description": (
            "<p>Jeux de plateau, jeux de cartes ou jeux vidéo : cette communauté réunit celles "
            "et ceux qui aiment jouer. Plusieurs médiathèques prêtent des jeux ou proposent "
            "des consoles sur place. Partagez vos découvertes et trouvez des partenaires de "
            "jeu près de chez vous.</p>"
        ),
        "interests": ["jeux-video", "jeux-de-societe"],
        "branches": ["la-passerelle-vitrolles", "marcel-pagnol-aubagne", "le-merlan"],
    },
    {
        "slug": "cuisine-du-monde",
        "title": "Cuisine du monde",
        "summary": "Recettes d'ici et d'ailleurs, livres de cuisine et bonnes adresses de marché.",
        "description": (
            "<p>De la bouillabaisse et de l'aïoli aux cuisines d'Afrique, d'Asie et d'Amérique "
            "latine, partagez vos recettes et les livres de cuisine qui vous inspirent. Une "
            "communauté pour celles et ceux qui aiment cuisiner comme pour ceux qui "
            "voudraient s'y mettre.</p>"
        ),
        "interests": ["cuisine"],
        "branches": ["arles", "la-grognarde", "cinq-avenues"],
    },
    {
        "slug": "memoire-de-provence",
        "title": "Mémoire de Provence",
        "summary": "L'histoire de Marseille et de la Provence, ses archives, sa langue et ses traditions.",
        "description": (
            "<p>Vieux papiers, cartes postales, histoire des quartiers et des villages, langue "
            "provençale : on partage ici la mémoire de la région. Les archives et la "
            "bibliothèque départementales, comme les fonds régionaux des grandes bibliothèques, "
            "aident à retrouver l'histoire d'une rue ou d'une famille.</p>"
        ),
        "interests": ["histoire-locale"],
        "branches": ["archives-et-bibliotheque-departementales", "mejanes", "arles"],
    },
    {
        "slug": "parler-d-autres-langues",
        "title": "Parler d'autres langues",
        "summary": "Pratiquer une langue étrangère, trouver des méthodes et des partenaires de conversation.",
        "description": (
            "<p>Anglais, espagnol, italien, arabe ou provençal : on vient ici pour pratiquer une "
            "langue, échanger des méthodes et des lectures en version originale. Les "
            "médiathèques prêtent des méthodes de langue et donnent accès à des ressources "
            "d'autoformation en ligne.</p>"
        ),
        "interests": ["langues"],
        "branches": ["alcazar", "castellane", "saint-andre"],
    },
    {
        "slug": "ateliers-numeriques",
        "title": "Ateliers numériques",
        "summary": "S'entraider face aux écrans : démarches en ligne, smartphone, création numérique.",
        "description": (
            "<p>Faire une démarche en ligne, protéger ses données, apprendre à se servir d'une "
            "tablette ou découvrir la programmation : cette communauté est un lieu "
            "d'entraide. Les médiathèques du réseau mettent à disposition des ordinateurs et un "
            "accès à internet.</p>"
        ),
        "interests": ["numerique"],
        "branches": ["la-passerelle-vitrolles", "nelson-mandela-gardanne", "salim-hatubou"],
    },
]

# ---------------------------------------------------------------------------------------------
# People. Usernames are the local part of the email; every demo account uses DEMO_PASSWORD.
# ---------------------------------------------------------------------------------------------

NETWORK_ADMIN = {
    "email": "admin@affinites.local",
    "display_name": "Administration du réseau",
    "first_name": "Administration",
    "last_name": "Réseau",
}

LIBRARIANS = [
    {
        "email": "bibliothecaire.alcazar@affinites.local",
        "display_name": "Nadia K., bibliothécaire",
        "first_name": "Nadia",
        "last_name": "K.",
        "branch": "alcazar",
    },
    {
        "email": "bibliothecaire.mejanes@affinites.local",
        "display_name": "Julien P., bibliothécaire",
        "first_name": "Julien",
        "last_name": "P.",
        "branch": "mejanes",
    },
]

# "commune" is resolved with cms.geo.resolve(); the home branch is the nearest to it.
MEMBERS = [
    {
        "email": "camille.aubagne@affinites.local",
        "display_name": "Camille R.",
        "commune": "Aubagne",
        "interests": ["fantasy", "science-fiction", "jeux-de-societe"],
        "communities": ["voyageurs-de-l-imaginaire", "joueurs-et-joueuses"],
    },
    {
        "email": "lucas.aix@affinites.local",
        "display_name": "Lucas M.",
        "commune": "Aix-en-Provence",
        "interests": ["jazz", "musique-classique", "cinema-d-animation"],
        "communities": ["jazz-et-musiques-improvisees", "cine-club"],
    },
    {
        "email": "ines.arles@affinites.local",
        "display_name": "Inès B.",
        "commune": "Arles",
        "interests": ["histoire-locale", "nature-et-jardinage", "cuisine", "arts-et-photo"],
        "communities": ["memoire-de-provence", "cuisine-du-monde"],
    },
    {
        "email": "yanis.marseille@affinites.local",
        "display_name": "Yanis T.",
        "commune": "Marseille 5e",
        "interests": ["manga", "jeux-video", "rap"],
        "communities": ["club-manga", "joueurs-et-joueuses"],
    },
    {
        "email": "chloe.laciotat@affinites.local",
        "display_name": "Chloé D.",
        "commune": "La Ciotat",
        "interests": ["polar", "bd-franco-belge", "langues"],
        "communities": ["polar-et-romans-noirs", "bulles-et-cases", "parler-d-autres-langues"],
    },
]
