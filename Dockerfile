# One image for both roles (ROLE=all|bot|worker).
# Built in a stage of its own: the image runs the compiled JavaScript with plain Node. Running the
# TypeScript through tsx would keep a loader thread and esbuild in memory (~50 MB RSS more).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# The live heap is some 35 MB; under a flood of updates V8 lets garbage grow the heap to
# ~200 MB before collecting it. A cap keeps a bot process under 200 MB RSS (npm run
# bench:updates runs the bot with these options).
ENV NODE_OPTIONS=--max-old-space-size=128
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY locales ./locales
COPY migrations ./migrations
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/main.js"]
