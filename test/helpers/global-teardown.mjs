export default async function globalTeardown() {
  globalThis.__deskSharedPostgres?.stop();
}
