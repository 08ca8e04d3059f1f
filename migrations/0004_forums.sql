CREATE TABLE "broadcasts" (
	"id" serial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"dedupe_key" text,
	"forum_id" integer,
	"created_by" integer,
	"content" jsonb NOT NULL,
	"audience" jsonb NOT NULL,
	"status" text DEFAULT 'sending' NOT NULL,
	"estimated_total" integer DEFAULT 0 NOT NULL,
	"fanout_cursor" bigint DEFAULT 0 NOT NULL,
	"fanout_done" boolean DEFAULT false NOT NULL,
	"progress_chat_id" bigint,
	"progress_message_id" integer,
	"progress_language" varchar(2),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "broadcasts_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"broadcast_id" integer NOT NULL,
	"chat_id" bigint NOT NULL,
	"user_id" integer,
	"language" varchar(2) NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"message_id" integer,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"claimed_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "forum_areas" (
	"forum_id" integer NOT NULL,
	"area_code" varchar(8) NOT NULL,
	CONSTRAINT "forum_areas_forum_id_area_code_pk" PRIMARY KEY("forum_id","area_code")
);
--> statement-breakpoint
CREATE TABLE "forum_attendance" (
	"forum_id" integer NOT NULL,
	"commune_code" varchar(8) NOT NULL,
	"total" integer NOT NULL,
	"women" integer NOT NULL,
	CONSTRAINT "forum_attendance_forum_id_commune_code_pk" PRIMARY KEY("forum_id","commune_code")
);
--> statement-breakpoint
CREATE TABLE "forum_rsvps" (
	"forum_id" integer NOT NULL,
	"user_id" integer NOT NULL,
	"answer" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "forum_rsvps_forum_id_user_id_pk" PRIMARY KEY("forum_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "forums" (
	"id" serial PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"title_km" text,
	"title_en" text,
	"starts_at" timestamp with time zone NOT NULL,
	"venue" text NOT NULL,
	"latitude" double precision,
	"longitude" double precision,
	"agenda" text,
	"status" text DEFAULT 'draft' NOT NULL,
	"reminder_offsets" text[] DEFAULT '{"P3D","P1D","PT2H"}' NOT NULL,
	"created_by" integer,
	"attendance_total" integer,
	"attendance_women" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"cancelled_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "broadcasts" ADD CONSTRAINT "broadcasts_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_broadcast_id_broadcasts_id_fk" FOREIGN KEY ("broadcast_id") REFERENCES "public"."broadcasts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forum_areas" ADD CONSTRAINT "forum_areas_forum_id_forums_id_fk" FOREIGN KEY ("forum_id") REFERENCES "public"."forums"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forum_areas" ADD CONSTRAINT "forum_areas_area_code_areas_code_fk" FOREIGN KEY ("area_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forum_attendance" ADD CONSTRAINT "forum_attendance_forum_id_forums_id_fk" FOREIGN KEY ("forum_id") REFERENCES "public"."forums"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forum_attendance" ADD CONSTRAINT "forum_attendance_commune_code_areas_code_fk" FOREIGN KEY ("commune_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forum_rsvps" ADD CONSTRAINT "forum_rsvps_forum_id_forums_id_fk" FOREIGN KEY ("forum_id") REFERENCES "public"."forums"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forum_rsvps" ADD CONSTRAINT "forum_rsvps_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forums" ADD CONSTRAINT "forums_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "broadcasts_forum_idx" ON "broadcasts" USING btree ("forum_id");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_broadcast_chat_uq" ON "deliveries" USING btree ("broadcast_id","chat_id");--> statement-breakpoint
CREATE INDEX "deliveries_broadcast_status_idx" ON "deliveries" USING btree ("broadcast_id","status");--> statement-breakpoint
CREATE INDEX "forum_areas_area_idx" ON "forum_areas" USING btree ("area_code");--> statement-breakpoint
CREATE INDEX "forum_rsvps_answer_idx" ON "forum_rsvps" USING btree ("forum_id","answer");--> statement-breakpoint
CREATE INDEX "forums_starts_idx" ON "forums" USING btree ("status","starts_at");