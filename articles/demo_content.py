"""
Demo content for `manage.py load_demo`: original patient-education
articles written for this project, in every editorial state.
"""

CATEGORIES = [
    # (slug, name, parent slug, description)
    (
        "spine-conditions",
        "Spine conditions",
        None,
        "What happens when the bones, discs and nerves of the back go wrong.",
    ),
    (
        "fractures",
        "Fractures",
        "spine-conditions",
        "Broken vertebrae: causes, healing and treatment.",
    ),
    (
        "treatments",
        "Treatments",
        None,
        "The procedures our specialists offer and how to prepare for them.",
    ),
    (
        "minimally-invasive",
        "Minimally invasive procedures",
        "treatments",
        "Treatments done through a needle or a small incision.",
    ),
    (
        "living-with-pain",
        "Living with pain",
        None,
        "Everyday habits that protect your back and neck.",
    ),
]

PEOPLE = [
    # (slug, name, credentials, bio, linked demo username)
    (
        "dr-rafael-reyes",
        "Dr. Rafael Reyes",
        "MD, spine surgeon",
        "Dr. Reyes treats spinal fractures and degenerative disease and leads "
        "the clinic's medical review board.",
        "reviewer",
    ),
    (
        "dr-amara-okafor",
        "Dr. Amara Okafor",
        "MD, interventional pain physician",
        "Dr. Okafor performs image-guided injections and nerve treatments for "
        "chronic back and neck pain.",
        None,
    ),
    (
        "lena-hartmann",
        "Lena Hartmann",
        "DPT, physical therapist",
        "Lena designs rehabilitation programmes for people returning to work "
        "and sport after back injuries.",
        None,
    ),
    (
        "elena-marsh",
        "Elena Marsh",
        "Health writer",
        "Elena writes the clinic's patient guides and checks that every one of "
        "them can be read in a few minutes.",
        "editor",
    ),
]

KYPHOPLASTY_BODY = """
<p>A sudden, sharp pain in the middle of the back after lifting a shopping bag,
a cough or a small stumble can be the first sign of a vertebral compression
fracture. This guide explains what that fracture is, how kyphoplasty can help,
and how to tell whether it is worth discussing with a specialist.</p>

<h2>What is a vertebral compression fracture?</h2>
<p>The spine is a stack of 33 bones called vertebrae. The front of each
vertebra, the vertebral body, carries most of your weight. When that bone is
weakened, usually by <a href="/articles/understanding-osteoporosis/">osteoporosis</a>,
it can collapse under ordinary loads and lose height at the front, like a
squashed sponge. Doctors call this a compression fracture.</p>
<p>Typical signs are:</p>
<ul>
  <li>back pain that starts suddenly and is worse when standing or walking;</li>
  <li>pain that eases when lying on your back;</li>
  <li>losing height, or a curve forming in the upper back;</li>
  <li>difficulty twisting or bending.</li>
</ul>
<p>Many fractures heal in six to twelve weeks with pain relief, a short period
of reduced activity and sometimes a brace. Some keep hurting, or keep
collapsing, and those are the ones where a procedure may be considered.</p>

<h2>What kyphoplasty is</h2>
<p>Kyphoplasty is a minimally invasive procedure that stabilises a fractured
vertebra from the inside. Through a needle placed in the back, the surgeon
inflates a small balloon inside the collapsed bone to create a space and, where
possible, restore some of the lost height. The balloon is removed and the space
is filled with bone cement, which hardens within minutes and braces the
fracture.</p>

<h3>How it differs from vertebroplasty</h3>
<p>Vertebroplasty is the older, closely related procedure: cement is injected
directly into the broken bone without a balloon first. Kyphoplasty's balloon
creates a cavity, so the cement can be placed at lower pressure and the bone's
shape can sometimes be partly corrected. Both procedures aim to relieve pain and
stabilise the fracture; which one suits you depends on the age and shape of the
fracture and on your surgeon's assessment.</p>
<figure class="table">
  <table>
    <thead>
      <tr><th></th><th>Kyphoplasty</th><th>Vertebroplasty</th></tr>
    </thead>
    <tbody>
      <tr><th>Balloon used</th><td>Yes</td><td>No</td></tr>
      <tr><th>Can restore some height</th><td>Sometimes</td><td>Rarely</td></tr>
      <tr><th>Anaesthesia</th><td>Sedation or general</td><td>Local or sedation</td></tr>
    </tbody>
  </table>
</figure>

<h2>Who it is for</h2>
<p>Kyphoplasty is usually considered for people who:</p>
<ul>
  <li>have a recent compression fracture confirmed on MRI or CT;</li>
  <li>still have significant pain after several weeks of non-surgical care, or
  cannot move enough to look after themselves;</li>
  <li>have a fracture caused by osteoporosis or, in some cases, by a tumour
  that has weakened the bone.</li>
</ul>
<p>It is generally not suitable when the fracture has fully healed, when back
pain comes from another cause such as a disc problem, when there is an active
infection, or when bone fragments press on the spinal cord.</p>

<h2>What the procedure involves</h2>
<ol>
  <li><strong>Before:</strong> you will have scans and blood tests, and you may
  be asked to pause blood thinners. Bring a list of your medicines.</li>
  <li><strong>During:</strong> you lie face down. Using live X-ray guidance,
  the surgeon passes a narrow tube into the vertebra through a small cut, then
  places the balloon and the cement. Each treated level takes about 30 to 45
  minutes.</li>
  <li><strong>After:</strong> most people go home the same day. Many notice
  less pain within 48 hours. You can walk straight away, but avoid heavy
  lifting for about six weeks.</li>
</ol>
<p>As with any procedure there are risks, including cement leaking outside the
bone, infection, bleeding and, rarely, nerve injury. New fractures in nearby
vertebrae can occur, which is why treating the underlying osteoporosis
matters as much as the procedure itself.</p>

<h2>Speak with a spine specialist</h2>
<p>If a compression fracture is still limiting your life after a few weeks,
ask for an assessment. A spine specialist will review your scans, check which
fracture is causing the pain, and talk through kyphoplasty, vertebroplasty and
non-surgical options so that you can choose what fits you.</p>
"""

OSTEOPOROSIS_BODY = """
<p>Osteoporosis makes bones thinner and more fragile without causing any pain
of its own. Many people only learn they have it after a fracture.</p>
<h2>Why bones weaken</h2>
<p>Bone is living tissue that is broken down and rebuilt all the time. After
about the age of 35 we slowly lose more than we make, and the loss speeds up
for women after menopause. Smoking, heavy drinking, long courses of steroid
tablets and a low body weight all add to the loss.</p>
<h2>How it is found</h2>
<p>A bone density scan (DXA) measures the mineral in your hip and spine in a
few minutes and gives a T-score. A score of −2.5 or lower means osteoporosis.
Your doctor may also estimate your fracture risk over the next ten years.</p>
<h2>Protecting your bones</h2>
<ul>
  <li>Weight-bearing exercise such as brisk walking, most days.</li>
  <li>Enough calcium and vitamin D, from food first.</li>
  <li>Medicines that slow bone loss or build bone, when your risk is high.</li>
  <li>Making your home safer to prevent falls.</li>
</ul>
<p>The US National Institute of Arthritis and Musculoskeletal and Skin
Diseases keeps a <a href="https://www.niams.nih.gov/health-topics/osteoporosis">plain-language
overview of osteoporosis</a>.</p>
<p>A spine fracture can be the first sign of osteoporosis. Read how
<a href="/articles/kyphoplasty-vertebral-compression-fractures/">kyphoplasty</a>
can treat a painful one.</p>
"""

SCIATICA_BODY = """
<p>Sciatica is pain that travels from the lower back or buttock down the back
of one leg, sometimes to the foot. It is a symptom, not a diagnosis: something
is irritating one of the nerve roots that form the sciatic nerve.</p>
<h2>Common causes</h2>
<ul>
  <li>A bulging or herniated disc pressing on a nerve root.</li>
  <li>Narrowing of the spinal canal (stenosis), more common after 60.</li>
  <li>A slipped vertebra (spondylolisthesis).</li>
</ul>
<h2>What usually helps</h2>
<p>Nine in ten people improve within three months. Staying as active as the
pain allows, short-term pain relief and a guided exercise programme are the
first steps. Bed rest tends to slow recovery.</p>
<p>When pain persists, an
<a href="/articles/preparing-for-an-epidural-steroid-injection/">epidural steroid injection</a>
can calm the inflamed nerve while you keep up your exercises.</p>
<p>MedlinePlus has <a href="https://medlineplus.gov/sciatica.html">more
about sciatica</a> in several languages.</p>
<h2>When to seek urgent care</h2>
<p>Go to an emergency department at once if you have numbness between your legs,
new trouble passing urine or controlling your bowels, or weakness that is
getting worse. These can be signs of cauda equina syndrome.</p>
"""

EPIDURAL_BODY = """
<p>An epidural steroid injection places anti-inflammatory medicine close to an
irritated nerve in the spine. It does not fix the cause of the pain, but it can
reduce it enough for you to move and exercise more.</p>
<h2>Before the day</h2>
<ul>
  <li>Tell us if you take blood thinners, have diabetes or could be pregnant.</li>
  <li>Eat a light meal and arrange a lift home.</li>
  <li>Wear comfortable clothes without metal at the waist.</li>
</ul>
<h2>During the injection</h2>
<p>You lie on your front. The skin is numbed, and the doctor uses X-ray
guidance and a small amount of contrast dye to steer a thin needle to the right
place. The injection itself takes a few minutes; most people describe pressure
rather than pain.</p>
<h2>Afterwards</h2>
<p>Rest for the remainder of the day. The numbing medicine wears off within hours
and the steroid starts to work over two to seven days. Call us if you develop a
fever, a severe headache or new weakness.</p>
"""

EXERCISE_BODY = """
<p>For most people with ongoing lower back pain, regular movement helps more
than rest. These gentle exercises are a safe starting point; stop any that
cause sharp or spreading pain.</p>
<h2>Three to start with</h2>
<ol>
  <li><strong>Knee rocks:</strong> lie on your back with knees bent and let
  them sway slowly from side to side for one minute.</li>
  <li><strong>Pelvic tilts:</strong> flatten the small of your back into the
  floor, hold for five seconds and relax. Repeat ten times.</li>
  <li><strong>Cat and camel:</strong> on hands and knees, slowly round and then
  gently arch your back, ten times.</li>
</ol>
<h2>Building up</h2>
<p>Add a short walk each day and lengthen it by a few minutes each week.
Consistency matters more than intensity. A physical therapist can tailor a
programme if you are unsure where to begin.</p>
"""

NECK_BODY = """
<p>Waking up with a stiff neck is common, and how you sleep can make a
difference.</p>
<h2>Positions that help</h2>
<ul>
  <li>On your back, with a pillow that supports the curve of your neck.</li>
  <li>On your side, with a pillow high enough to keep your nose in line with
  the middle of your body.</li>
</ul>
<h2>Positions to avoid</h2>
<p>Sleeping on your stomach twists the neck for hours at a time. If you cannot
break the habit, use a very thin pillow or none at all.</p>
<h2>Choosing a pillow</h2>
<p>There is no single best pillow. Look for one that keeps your head level and
replace it when it no longer springs back.</p>
"""

RFA_BODY = """
<p>Radiofrequency ablation (RFA) uses heat to quiet the small nerves that carry
pain signals from arthritic facet joints in the spine. Relief often lasts from
six months to more than a year.</p>
<h2>Is it for me?</h2>
<p>RFA is offered when two test injections of local anaesthetic near those
nerves, called medial branch blocks, have each relieved most of your pain for a
few hours. That result shows the facet joints are the source.</p>
<h2>The procedure</h2>
<p>Under X-ray guidance, thin probes are placed next to the target nerves and
warmed for about 90 seconds each. You are awake but relaxed, and the skin is
numbed. Expect soreness for a week or two before the benefit appears.</p>
<h2>What it cannot do</h2>
<p>RFA does not change the joint itself, and the nerves slowly grow back. It
works best alongside an exercise programme.</p>
"""

BONE_SCAN_BODY = """
<p>A bone density scan measures how much mineral your bones hold. It is the
usual way to find thinning bones before a fracture happens.</p>
<h2>Before the scan</h2>
<p>Wear clothes without metal zips or buttons. If you take calcium tablets,
skip them on the morning of the scan.</p>
<h2>During the scan</h2>
<p>You lie on your back on a padded table while a scanning arm passes slowly
over your hips and lower spine. It takes about ten minutes and does not
hurt.</p>
<h2>Your results</h2>
<p>Your result is given as a T-score, which compares your bones with those of
a healthy young adult. Your doctor will explain what your score means for
you.</p>
"""

RETURN_TO_WORK_BODY = """
<p>Getting back to work after a back injury is part of recovery, not just its
end point. A gradual, planned return lowers the chance of a relapse.</p>
<h2>Talk to your employer early</h2>
<p>Ask about shorter days, lighter duties or more breaks for the first weeks.
Many employers will agree a written plan.</p>
<h2>At the desk</h2>
<ul>
  <li>Set the screen at eye level and keep your feet flat on the floor.</li>
  <li>Stand up and move every 30 minutes.</li>
</ul>
<h2>In physical jobs</h2>
<p>Practise the lifts you will need with your physical therapist before you go
back, and build up the weights over several weeks.</p>
"""

FIRST_VISIT_BODY = """
<p>This page described our old clinic building and its parking. We moved in
2024; see the contact page for directions to the new site.</p>
<h2>Bring with you</h2>
<p>Your referral letter, recent scans and a list of your medicines.</p>
"""

#: Each article: slug, title, category slug, author slug, body, state, extra.
#: state is one of draft, in_review, signed_off, scheduled, published,
#: overdue (published with a review date passed) and archived.
ARTICLES = [
    {
        "slug": "kyphoplasty-vertebral-compression-fractures",
        "title": "Benefits of Kyphoplasty for Treating Vertebral Compression Fractures",
        "summary": (
            "How kyphoplasty stabilises a collapsed vertebra, how it differs "
            "from vertebroplasty, who it helps and what to expect on the day."
        ),
        "category": "fractures",
        "tags": ["Osteoporosis", "Kyphoplasty", "Back pain"],
        "author": "elena-marsh",
        "body": KYPHOPLASTY_BODY,
        "state": "published",
        "days_ago": 3,
        "featured": True,
        "explain_terms": True,
        "reading_reason": (
            "Procedure names are hard words; each is explained where it first appears."
        ),
        "image": ("Kyphoplasty", (32, 96, 120)),
        "alt": "Illustration of a stack of vertebrae with one shorter, collapsed bone",
        "references": [
            {
                "citation": (
                    "Wardlaw D, Cummings SR, Van Meirhaeghe J, et al. Efficacy "
                    "and safety of balloon kyphoplasty compared with non-surgical "
                    "care for vertebral compression fracture (FREE): a randomised "
                    "controlled trial. Lancet. 2009;373(9668):1016-1024."
                ),
                "doi": "10.1016/S0140-6736(09)60010-6",
                "pmid": "19246088",
            },
            {
                "citation": (
                    "Buchbinder R, Osborne RH, Ebeling PR, et al. A randomized "
                    "trial of vertebroplasty for painful osteoporotic vertebral "
                    "fractures. N Engl J Med. 2009;361(6):557-568."
                ),
                "doi": "10.1056/NEJMoa0900429",
                "pmid": "19657121",
            },
        ],
    },
    {
        "slug": "understanding-osteoporosis",
        "title": "Understanding Osteoporosis and Bone Strength",
        "category": "spine-conditions",
        "tags": ["Osteoporosis"],
        "author": "elena-marsh",
        "body": OSTEOPOROSIS_BODY,
        "state": "published",
        "days_ago": 20,
        "image": ("Osteoporosis", (120, 84, 40)),
        "alt": "Close-up pattern resembling the honeycomb inside a bone",
        "references": [
            {
                "citation": (
                    "Compston JE, McClung MR, Leslie WD. Osteoporosis. Lancet. "
                    "2019;393(10169):364-376."
                ),
                "doi": "10.1016/S0140-6736(18)32112-3",
                "pmid": "30696576",
            }
        ],
    },
    {
        "slug": "sciatica-when-leg-pain-starts-in-the-back",
        "title": "Sciatica: When Leg Pain Starts in the Back",
        "category": "spine-conditions",
        "tags": ["Back pain", "Nerve pain"],
        "author": "dr-amara-okafor",
        "body": SCIATICA_BODY,
        "state": "published",
        "days_ago": 35,
        "featured": True,
        "image": ("Sciatica", (90, 60, 130)),
        "alt": "Outline of a leg with a line tracing the path of the sciatic nerve",
    },
    {
        "slug": "preparing-for-an-epidural-steroid-injection",
        "title": "Preparing for an Epidural Steroid Injection",
        "category": "minimally-invasive",
        "tags": ["Injections", "Nerve pain"],
        "author": "dr-amara-okafor",
        "body": EPIDURAL_BODY,
        "state": "published",
        # Its yearly review falls due within the month.
        "days_ago": 345,
        "image": ("Epidural", (20, 110, 80)),
        "alt": "",
        "decorative": True,
    },
    {
        "slug": "gentle-exercises-for-lower-back-pain",
        "title": "Gentle Exercises for Lower Back Pain",
        "category": "living-with-pain",
        "tags": ["Exercise", "Back pain"],
        "author": "lena-hartmann",
        "body": EXERCISE_BODY,
        "state": "overdue",
        "days_ago": 430,
        "image": ("Exercise", (150, 70, 70)),
        "alt": "A person on an exercise mat doing a pelvic tilt",
    },
    {
        "slug": "sleeping-positions-for-neck-pain",
        "title": "Sleeping Positions That Ease Neck Pain",
        "category": "living-with-pain",
        "tags": ["Neck pain"],
        "author": "lena-hartmann",
        "body": NECK_BODY,
        "state": "in_review",
    },
    {
        "slug": "radiofrequency-ablation-facet-joint-pain",
        "title": "Radiofrequency Ablation for Facet Joint Pain",
        "category": "minimally-invasive",
        "tags": ["Back pain"],
        "author": "dr-amara-okafor",
        "body": RFA_BODY,
        "state": "scheduled",
        "image": ("RFA", (60, 60, 60)),
        "alt": "Diagram of a spinal facet joint and the small nerve beside it",
    },
    {
        "slug": "returning-to-work-after-a-back-injury",
        "title": "Returning to Work After a Back Injury",
        "category": "living-with-pain",
        "tags": ["Back pain", "Exercise"],
        "author": "elena-marsh",
        "body": RETURN_TO_WORK_BODY,
        "state": "draft",
    },
    {
        "slug": "bone-density-scans-what-to-expect",
        "title": "Bone Density Scans: What to Expect",
        "category": "spine-conditions",
        "tags": ["Osteoporosis"],
        "author": "elena-marsh",
        "body": BONE_SCAN_BODY,
        "state": "sent_back",
        "review_notes": (
            "Please say that the scan uses a very low dose of X-rays, and "
            "explain what a T-score of -2.5 means in plain words."
        ),
    },
    {
        "slug": "your-first-visit-2019",
        "title": "Your First Visit to Our Clinic (2019)",
        "category": "treatments",
        "tags": [],
        "author": "elena-marsh",
        "body": FIRST_VISIT_BODY,
        "state": "archived",
        "days_ago": 900,
    },
]

#: Demo comments: (key, parent key, name, email, body, status, reasons).
#: A parent key of "staff" marks a reply by the demo reviewer.
COMMENTS = {
    "kyphoplasty-vertebral-compression-fractures": [
        (
            "mum",
            None,
            "Grace Whitfield",
            "grace.w@mail.example",
            "My mother had this done last spring at 78. She was walking to the "
            "garden gate two days later. The bruising on her back faded within "
            "a week.",
            "approved",
            ["passed all rules"],
        ),
        (
            "mum-q",
            "mum",
            "Tom Adeyemi",
            "tom.a@mail.example",
            "Good to hear. Did she need to wear a brace afterwards?",
            "approved",
            ["passed all rules"],
        ),
        (
            "mum-a",
            "mum-q",
            "Grace Whitfield",
            "grace.w@mail.example",
            "No brace. She did start a bone-strengthening medicine afterwards.",
            "approved",
            ["passed all rules"],
        ),
        (
            "cement",
            None,
            "Harold Brant",
            "h.brant@mail.example",
            "How long does the cement last? Does it ever need replacing?",
            "approved",
            ["passed all rules"],
        ),
        (
            "cement-staff",
            "staff:cement",
            "",
            "",
            "The cement does not wear out the way a joint replacement can. It "
            "stays in the bone for good. What matters more over the years is "
            "keeping the rest of the spine strong.",
            "approved",
            ["staff reply"],
        ),
        (
            "new",
            None,
            "Priya Raman",
            "priya.r@mail.example",
            "Is the procedure painful while it is being done?",
            "pending",
            ["new author"],
        ),
        (
            "phone",
            None,
            "Walter Kim",
            "walter.k@mail.example",
            "Can someone call me about my wife's fracture? 555-201-7788.",
            "pending",
            ["personal health data: a phone number"],
        ),
        (
            "spam",
            None,
            "Best Deals",
            "deals@spam.example",
            "Cheap supplements here https://spam.example/a https://spam.example/b",
            "spam",
            ["2 links", "spam by moderator"],
        ),
        (
            "trash",
            None,
            "Anon",
            "anon@mail.example",
            "This is all nonsense.",
            "trash",
            ["trash by moderator"],
        ),
    ],
    "sciatica-when-leg-pain-starts-in-the-back": [
        (
            "walk",
            None,
            "Irene Costa",
            "irene.c@mail.example",
            "Short walks every hour helped me far more than lying down.",
            "approved",
            ["passed all rules"],
        ),
        (
            "walk-2",
            "walk",
            "Sam Oduya",
            "sam.o@mail.example",
            "Same for me. Heat on the lower back in the evening helped too.",
            "approved",
            ["passed all rules"],
        ),
        (
            "turmeric",
            None,
            "Dale Pruitt",
            "dale.p@mail.example",
            "I stopped the tablets my doctor gave me and took turmeric instead. "
            "Nobody needs pills for sciatica.",
            "approved",
            ["passed all rules"],
        ),
    ],
}

#: Demo reports from readers: (article slug, comment key, reason). Fewer
#: than the threshold that holds a comment, so it stays published.
REPORTS = [
    ("sciatica-when-leg-pain-starts-in-the-back", "turmeric", "misinformation"),
]

#: Demo backlinks: (source URL, article slug, status, approved, link text).
BACKLINKS = [
    (
        "https://healthyaging.example/blog/back-pain-after-60",
        "kyphoplasty-vertebral-compression-fractures",
        "verified",
        True,
        "a clear guide to kyphoplasty",
    ),
    (
        "https://healthyaging.example/resources",
        "understanding-osteoporosis",
        "verified",
        True,
        "bone strength explained",
    ),
    (
        "https://runnersforum.example/t/sciatica-tips",
        "sciatica-when-leg-pain-starts-in-the-back",
        "verified",
        True,
        "this sciatica article",
    ),
    (
        "https://communityclinic.example/links",
        "preparing-for-an-epidural-steroid-injection",
        "verified",
        False,
        "what to expect from an epidural",
    ),
    (
        "https://newsletter.example/issue-12",
        "kyphoplasty-vertebral-compression-fractures",
        "pending",
        False,
        "",
    ),
    (
        "https://oldsite.example/2023/spine",
        "understanding-osteoporosis",
        "lost",
        True,
        "osteoporosis basics",
    ),
    (
        "https://cheap-pills.example/spam",
        "sciatica-when-leg-pain-starts-in-the-back",
        "rejected",
        False,
        "click here",
    ),
]

#: The demo clinic's contact page (an invented address and number).
CONTACT_PAGE = (
    "<p>Book a consultation with one of our spine specialists by phone or in "
    "person. New patients are usually seen within a week.</p>"
    "<h2>Phone</h2>"
    "<p>0100 555 0142, Monday to Friday, 8:00 to 18:00.</p>"
    "<h2>Address</h2>"
    "<p>Riverside Spine &amp; Pain Clinic, 14 Mill Lane, Riverside. Parking "
    "and a step-free entrance are at the back of the building.</p>"
    "<h2>Before your visit</h2>"
    "<p>Bring a list of your medicines and any recent scans or letters. If "
    "you were referred, the letter is enough: you do not need to call us "
    "first.</p>"
)
