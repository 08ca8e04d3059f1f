CREATE TABLE "digest_deliveries" (
	"id" serial PRIMARY KEY NOT NULL,
	"council_area_code" varchar(8) NOT NULL,
	"period_start" date NOT NULL,
	"group_chat_id" bigint NOT NULL,
	"status" text DEFAULT 'claimed' NOT NULL,
	"attempts" integer DEFAULT 1 NOT NULL,
	"text_message_id" integer,
	"chart_message_id" integer,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "digest_deliveries" ADD CONSTRAINT "digest_deliveries_council_area_code_areas_code_fk" FOREIGN KEY ("council_area_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "digest_deliveries_council_period_key" ON "digest_deliveries" USING btree ("council_area_code","period_start");--> statement-breakpoint
CREATE INDEX "rating_scores_digest_idx" ON "rating_scores" USING btree ("rating_id","criterion","score");--> statement-breakpoint
CREATE INDEX "ratings_digest_idx" ON "ratings" USING btree ("commune_code","created_at") WHERE "ratings"."superseded_at" is null;