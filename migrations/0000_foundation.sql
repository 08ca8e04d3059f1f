CREATE TABLE "areas" (
	"code" varchar(8) PRIMARY KEY NOT NULL,
	"level" text NOT NULL,
	"parent_code" varchar(8),
	"name_km" text NOT NULL,
	"name_en" text NOT NULL,
	"unit_km" text,
	"unit_en" text,
	"search_text" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"telegram_id" bigint,
	"first_name" text,
	"username" text,
	"language" varchar(2),
	"commune_code" varchar(8),
	"role" text DEFAULT 'citizen' NOT NULL,
	"announcements" boolean DEFAULT true NOT NULL,
	"blocked_bot" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_telegram_id_unique" UNIQUE("telegram_id")
);
--> statement-breakpoint
ALTER TABLE "areas" ADD CONSTRAINT "areas_parent_code_areas_code_fk" FOREIGN KEY ("parent_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_commune_code_areas_code_fk" FOREIGN KEY ("commune_code") REFERENCES "public"."areas"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "areas_parent_idx" ON "areas" USING btree ("parent_code","code");--> statement-breakpoint
CREATE INDEX "areas_level_idx" ON "areas" USING btree ("level");--> statement-breakpoint
CREATE INDEX "users_commune_idx" ON "users" USING btree ("commune_code");--> statement-breakpoint
CREATE INDEX "users_username_idx" ON "users" USING btree ("username");