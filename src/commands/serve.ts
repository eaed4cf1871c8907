export async function serveCommand(_root: string, _opts: unknown): Promise<void> {
  throw new Error('serve: not implemented yet');
}
