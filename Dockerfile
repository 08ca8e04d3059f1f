# One image for both roles (ROLE=all|bot|worker).
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# The live heap is some 35 MB; under a flood of updates V8 lets garbage grow the heap to
# ~200 MB before collecting it. A cap keeps a bot process under 200 MB RSS at the same CPU
# per update (npm run bench:updates runs the bot with these options).
ENV NODE_OPTIONS=--max-old-space-size=128
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY locales ./locales
COPY migrations ./migrations
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npx", "tsx", "src/main.ts"]
