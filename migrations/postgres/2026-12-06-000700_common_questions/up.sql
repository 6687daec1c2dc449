-- The portal's common questions (question_bank rows with agency_id NULL), offered to
-- every agency's form builder under "은행에서 추가". Their bank_key lets an owner's
-- answer in one application be offered again in the next.
INSERT INTO question_bank (id, agency_id, bank_key, question_json, created_at) VALUES
('00000000-0000-7000-8000-00000000b001', NULL, 'site_address',
 '{"key":"site_address","kind":"short_text","label":"사업장 주소","required":true,"max_chars":200,"bank_key":"site_address"}',
 '2026-12-06 00:00:00'),
('00000000-0000-7000-8000-00000000b002', NULL, 'employees',
 '{"key":"employees","kind":"number","label":"상시 근로자 수","help":"대표자를 뺀 4대 보험 가입자 수","required":true,"min":0,"max":100000,"bank_key":"employees"}',
 '2026-12-06 00:00:00'),
('00000000-0000-7000-8000-00000000b003', NULL, 'sales_3y',
 '{"key":"sales_3y","kind":"table","label":"최근 3년 매출","help":"연도와 그해 매출(원)","columns":[{"key":"year","label":"연도","kind":"number"},{"key":"amount","label":"매출","kind":"money"}],"max_rows":3,"bank_key":"sales_3y"}',
 '2026-12-06 00:00:00'),
('00000000-0000-7000-8000-00000000b004', NULL, 'founded_on',
 '{"key":"founded_on","kind":"date","label":"개업일","help":"사업자등록증의 개업연월일","bank_key":"founded_on"}',
 '2026-12-06 00:00:00');
