-- Trigram index for area search (substring LIKE and the "did you mean" similarity
-- tier in features/areas/areas.ts). Custom migration: drizzle-kit does not emit
-- CREATE EXTENSION, and areas.ts stays as the importer's owner wrote it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "areas_search_trgm_idx" ON "areas" USING gin ("search_text" gin_trgm_ops);
