"""Review requests by the thousand, straight in SQL: the admin benchmark (bench/admin_queue.py) fills
its database with these, and the queue's plan tests (tests/test_triage_queue_scale.py) a test table.

One `INSERT … SELECT generate_series` per call, so 100,000 rows take seconds, not minutes.
"""

# One statement per 100,000 rows. The reference is the row number written in the reference
# alphabet (unique, and it passes the table's format check). Names and e-mails are drawn like a real
# intake's: half the patients carry one of 30 common US surnames (Smith the most common: ~4 % of all
# rows), the other half a rarer made-up one (8,000 of them); e-mails are first.last plus a number at a
# handful of common domains (gmail.com ~35 %, example.com ~12 %), so a search for a name or a domain
# matches thousands of rows, as it would in a clinic's queue.
SEED_SQL = """
WITH staff AS (SELECT array_agg(id ORDER BY id) AS ids FROM auth_user WHERE username LIKE 'bench-%%'),
rows AS (
    SELECT n,
           now() - (random() * interval '730 days') AS submitted_at,
           -- ~5 %% emergency (tier 1), ~6 %% see a doctor soon (tier 2), the rest routine.
           CASE WHEN random() < 0.05 THEN 1 WHEN random() < 0.06 THEN 2 ELSE 3 END AS tier,
           random() AS r,
           (ARRAY['Maria', 'James', 'Linda', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael',
                  'Elizabeth', 'David', 'Susan', 'Carlos', 'Aisha', 'Wei', 'Olga', 'Mary',
                  'William', 'Barbara', 'Richard', 'Jessica', 'Joseph', 'Sarah', 'Thomas',
                  'Karen', 'Daniel', 'Nancy', 'Jose', 'Ana', 'Kevin', 'Priya'])
               [1 + floor(random() * 30)::int] AS first_name,
           CASE WHEN random() < 0.5 THEN
               -- Common surnames, most common first: Smith in ~8 %% of these.
               (ARRAY['Smith', 'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia',
                      'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez',
                      'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson',
                      'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark',
                      'Ramirez', 'Lewis', 'Nguyen', 'Smithson', 'Goldsmith'])
                   [1 + floor(random() * 33)::int]
           ELSE
               (ARRAY['Ka', 'Bel', 'Or', 'Mar', 'Ten', 'Vo', 'Al', 'Dor', 'Ri', 'Sa', 'Ho', 'Lin',
                      'Ev', 'Gra', 'Pe', 'Ul', 'Fen', 'Ro', 'Ja', 'Wes'])[1 + floor(random() * 20)::int]
               || (ARRAY['ko', 'ran', 'mi', 'des', 'lo', 'ber', 'to', 'van', 'ca', 'nel', 'gu',
                         'ria', 'sto', 'pha', 'mon', 'de', 'lu', 'ki', 'ra', 'chi'])[1 + floor(random() * 20)::int]
               || (ARRAY['wicz', 'son', 'ez', 'ova', 'ski', 'ford', 'ley', 'ton', 'ini', 'ing',
                         'ard', 'man', 'elli', 'ers', 'ano', 'ick', 'ow', 'ey', 'ner', 'ak'])[1 + floor(random() * 20)::int]
           END AS last_name,
           (ARRAY['gmail.com', 'gmail.com', 'gmail.com', 'gmail.com', 'gmail.com', 'gmail.com',
                  'gmail.com', 'yahoo.com', 'yahoo.com', 'yahoo.com', 'example.com', 'example.com',
                  'outlook.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'aol.com',
                  'comcast.net', 'att.net', 'verizon.net'])[1 + floor(random() * 20)::int] AS domain
    FROM generate_series(%(start)s, %(stop)s) AS n
)
INSERT INTO intake_reviewrequest (
    reference, status, tier, submitted_at, submission_token, first_name, last_name,
    date_of_birth, email, phone, zip_code, preferred_contact, best_time_to_call, pain_locations,
    back_pain_score, leg_pain_score, pain_duration, pain_onset, pain_onset_details,
    tried_physical_therapy, physical_therapy_weeks, tried_medicines, tried_injections,
    tried_chiropractic, had_spine_surgery, spine_surgery_when, imaging_plan, mri_date,
    mri_facility, mri_body_area, has_radiology_report, urine_trouble, bladder_bowel_control,
    saddle_numbness, sexual_problems, both_legs, worsening_weakness, trauma, fever_unwell,
    cancer_history, weight_loss, night_pain, infection_risk, fracture_risk, morning_stiffness,
    insurance_carrier, insurance_plan_type,
    consent_privacy, consent_contact, consent_not_emergency, assignee_id, due_by, imaging_line
)
SELECT
    'BC-' || (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTVWXYZ',
                                       ((n / (30 ^ k)::bigint) %% 30)::int + 1, 1), '' ORDER BY k)
              FROM generate_series(0, 3) AS k)
          || '-' ||
          (SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTVWXYZ',
                                    ((n / (30 ^ k)::bigint) %% 30)::int + 1, 1), '' ORDER BY k)
           FROM generate_series(4, 7) AS k),
    CASE
        WHEN submitted_at > now() - interval '60 days' AND r < 0.75 THEN
            (ARRAY['new', 'new', 'new', 'in_review', 'in_review', 'waiting_for_patient',
                   'reviewed_candidate', 'reviewed_not_candidate'])[1 + (n %% 8)]
        ELSE (ARRAY['closed', 'closed', 'closed', 'closed', 'patient_contacted',
                    'patient_contacted', 'closed', 'spam'])[1 + (n %% 8)]
    END,
    tier, submitted_at, gen_random_uuid(),
    first_name, last_name,
    date '1940-01-01' + (n %% 25000),
    lower(first_name) || '.' || lower(last_name) || (n %% 100)::text || '@' || domain,
    '555-' || lpad(((n / 10000) %% 1000)::text, 3, '0') || '-' || lpad((n %% 10000)::text, 4, '0'),
    lpad((10000 + n %% 89999)::text, 5, '0'),
    (ARRAY['phone', 'email'])[1 + n %% 2],
    (ARRAY['morning', 'afternoon', 'evening', 'any'])[1 + n %% 4],
    ARRAY['lower_back', 'one_leg']::varchar(16)[],
    n %% 11, (n / 11) %% 11,
    '3_12_months', 'slowly', '',
    n %% 3 = 0, CASE WHEN n %% 3 = 0 THEN 6 END, true, n %% 5 = 0, false, n %% 20 = 0,
    CASE WHEN n %% 20 = 0 THEN '2019' ELSE '' END,
    (ARRAY['upload', 'upload', 'send_cd', 'not_yet'])[1 + n %% 4], NULL, '', '', '',
    -- Answers that match the tier (the table's check): an emergency row has a saddle or both-leg
    -- "yes", a "soon" row a history of cancer or night pain.
    false, false, tier = 1 AND n %% 2 = 0, false, tier = 1 AND n %% 2 = 1, false, false,
    false, tier = 2 AND n %% 2 = 0, false, tier = 2 AND n %% 2 = 1, false, false, n %% 50 = 0,
    '', '',
    true, true, true,
    CASE WHEN n %% 10 < 6 THEN (SELECT ids[1 + n %% array_length(ids, 1)] FROM staff) END,
    CASE WHEN tier < 3 THEN date_trunc('day', submitted_at) + interval '23 hours 59 minutes'
         ELSE submitted_at + interval '3 days' END,
    CASE WHEN n %% 10 = 0 THEN 'MR lumbar spine, 4 series, 120 images' ELSE '' END
FROM rows
ON CONFLICT DO NOTHING
"""

UPLOADS_SQL = """
INSERT INTO intake_upload (file, original_name, kind, size, sha256, status, failure_reason,
                           created_at, processed_at, request_id)
SELECT 'uploads/bench/' || rr.id, 'study.zip', 'zip', 21000000, repeat('ab', 32), 'processed', '',
       rr.submitted_at, rr.submitted_at, rr.id
FROM intake_reviewrequest rr
WHERE rr.imaging_line <> '' AND NOT EXISTS (SELECT 1 FROM intake_upload u WHERE u.request_id = rr.id)
"""


def seed_requests(cursor, *, start: int, stop: int) -> None:
    """Requests numbered start..stop (their references come from the number, so keep ranges apart),
    and an upload for every tenth. Staff users named bench-… (if any) get 60 % of them assigned."""
    cursor.execute(SEED_SQL, {"start": start, "stop": stop})
    cursor.execute(UPLOADS_SQL)
