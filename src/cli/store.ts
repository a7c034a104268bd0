import { openStore, StoreError, type OpenOptions, type Store } from '../store/index.js';
import { fail } from './output.js';

/** The project's database, or one line saying why it cannot be opened. */
export async function openStoreOrFail(root: string, options: OpenOptions = {}): Promise<Store> {
  try {
    return await openStore(root, process.env, options);
  } catch (error) {
    if (error instanceof StoreError) fail(error.message, error.code);
    throw error;
  }
}
