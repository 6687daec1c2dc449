-- Which text of the terms and the privacy policy a consent was given under
-- (`legal::CONSENT_VERSION` when it was recorded; NULL for consents from before).
ALTER TABLE consents ADD COLUMN policy_version TEXT;
