-- The Markdown an agency editor typed; body_html is rendered from it (and sanitised).
-- NULL for bodies that came as HTML (imports, and console bodies written before this).
ALTER TABLE announcements ADD COLUMN body_markdown TEXT;
