# Tessera: runs the TypeScript sources through tsx, as `npm start` does.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json prisma.config.ts ./
# npm ci generates the host's and the built-in plugins' Prisma clients: it needs their schemas and the generator.
COPY bin ./bin
COPY prisma ./prisma
COPY src/plugins ./src/plugins
RUN npm ci --include=dev --no-audit --no-fund
COPY . .
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:4000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "bin/tessera.js", "serve"]
