/**
 * users/: the teams and users in force, the config's (read-only) plus those managed through the admin
 * API (kept in the ledger), and the rules for changing them.
 */
export { DirectoryAdmin, generatePassword, MIN_PASSWORD_LENGTH, type DirectoryAdminOptions, type TeamView, type UserView } from './admin.ts';
export { UserDirectory, type Source } from './directory.ts';
export { DirectoryStore, DIRECTORY_CHANNEL, type Change, type ManagedDirectory, type ManagedTeam, type ManagedUser, type Role } from './store.ts';
export { MAX_NAME_LENGTH, RESERVED_USER_NAMES, reservedUserName } from './names.ts';
