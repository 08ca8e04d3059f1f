ALTER TABLE "users" ADD COLUMN "consented_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "onboarded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "sex" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "age_group" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "has_disability" boolean;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "is_indigenous" boolean;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "has_id_poor" boolean;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "tombstone" text;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_tombstone_unique" UNIQUE("tombstone");