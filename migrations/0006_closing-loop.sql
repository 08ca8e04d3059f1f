CREATE TABLE "commitment_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"commitment_id" integer NOT NULL,
	"kind" text NOT NULL,
	"actor_kind" text NOT NULL,
	"actor_user_id" integer,
	"actor_telegram_id" bigint,
	"actor_name" text,
	"photo_file_id" text,
	"note" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commitment_verifications" (
	"id" serial PRIMARY KEY NOT NULL,
	"commitment_id" integer NOT NULL,
	"user_id" integer,
	"answer" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "commitments" (
	"id" serial PRIMARY KEY NOT NULL,
	"reference" varchar(24) NOT NULL,
	"forum_id" integer,
	"council_area_code" varchar(8) NOT NULL,
	"area_code" varchar(8) NOT NULL,
	"service_key" text,
	"responsible" text DEFAULT 'council' NOT NULL,
	"text" text NOT NULL,
	"due_on" date NOT NULL,
	"status" text DEFAULT 'planned' NOT NULL,
	"group_chat_id" bigint,
	"group_message_id" integer,
	"created_by" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"done_at" timestamp with time zone,
	CONSTRAINT "commitments_reference_unique" UNIQUE("reference")
);
--> statement-breakpoint
CREATE TABLE "forum_checkins" (
	"id" serial PRIMARY KEY NOT NULL,
	"forum_id" integer NOT NULL,
	"source" text NOT NULL,
	"user_id" integer,
	"counted_by" integer,
	"sex" text,
	"youth" boolean,
	"disability" boolean,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "follow_up_asked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "complaints" ADD COLUMN "follow_up_answered_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "commune_results" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "commitment_events" ADD CONSTRAINT "commitment_events_commitment_id_commitments_id_fk" FOREIGN KEY ("commitment_id") REFERENCES "public"."commitments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commitment_events" ADD CONSTRAINT "commitment_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commitment_verifications" ADD CONSTRAINT "commitment_verifications_commitment_id_commitments_id_fk" FOREIGN KEY ("commitment_id") REFERENCES "public"."commitments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commitment_verifications" ADD CONSTRAINT "commitment_verifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commitments" ADD CONSTRAINT "commitments_forum_id_forums_id_fk" FOREIGN KEY ("forum_id") REFERENCES "public"."forums"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commitments" ADD CONSTRAINT "commitments_council_area_code_areas_code_fk" FOREIGN KEY ("council_area_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commitments" ADD CONSTRAINT "commitments_area_code_areas_code_fk" FOREIGN KEY ("area_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commitments" ADD CONSTRAINT "commitments_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forum_checkins" ADD CONSTRAINT "forum_checkins_forum_id_forums_id_fk" FOREIGN KEY ("forum_id") REFERENCES "public"."forums"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forum_checkins" ADD CONSTRAINT "forum_checkins_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forum_checkins" ADD CONSTRAINT "forum_checkins_counted_by_users_id_fk" FOREIGN KEY ("counted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "commitment_events_commitment_idx" ON "commitment_events" USING btree ("commitment_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "commitment_verifications_person_uq" ON "commitment_verifications" USING btree ("commitment_id","user_id");--> statement-breakpoint
CREATE INDEX "commitments_council_idx" ON "commitments" USING btree ("council_area_code","status","due_on");--> statement-breakpoint
CREATE INDEX "commitments_forum_idx" ON "commitments" USING btree ("forum_id");--> statement-breakpoint
CREATE INDEX "commitments_area_idx" ON "commitments" USING btree ("area_code");--> statement-breakpoint
CREATE UNIQUE INDEX "forum_checkins_person_uq" ON "forum_checkins" USING btree ("forum_id","user_id");--> statement-breakpoint
CREATE INDEX "forum_checkins_counter_idx" ON "forum_checkins" USING btree ("forum_id","counted_by","id");