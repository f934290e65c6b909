import { Type, type Static } from '@sinclair/typebox';
import { MAX_NAME_LENGTH, MIN_PASSWORD_LENGTH } from '../../users/index.ts';

const Timestamp = Type.String({ format: 'date-time' });
const Name = Type.String({ minLength: 1, maxLength: MAX_NAME_LENGTH });
const Source = Type.Union([Type.Literal('config'), Type.Literal('api')], { description: 'config: declared in the config file, read-only here; api: managed through this API' });
const Role = Type.Union([Type.Literal('analyst'), Type.Literal('admin')]);
const Description = Type.String({ maxLength: 1000 });
const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 });

export const TeamParams = Type.Object({ team: Name }, { additionalProperties: false });
export type TeamParams = Static<typeof TeamParams>;

export const UserParams = Type.Object({ name: Name }, { additionalProperties: false });
export type UserParams = Static<typeof UserParams>;

export const TeamBody = Type.Object({ name: Name, description: Type.Optional(Description) }, { additionalProperties: false });
export type TeamBody = Static<typeof TeamBody>;

export const TeamPatch = Type.Object({ description: Type.Union([Description, Type.Null()]) }, { additionalProperties: false });
export type TeamPatch = Static<typeof TeamPatch>;

export const TeamJson = Type.Object({
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  source: Source,
  createdAt: Type.Union([Timestamp, Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
});
export const TeamList = Type.Object({ teams: Type.Array(TeamJson) });

export const UserBody = Type.Object(
  {
    name: Name,
    team: Name,
    role: Type.Optional(Role),
    password: Type.Optional(Type.String({ ...Password, description: 'Omit it: tollgate generates one and returns it once.' })),
  },
  { additionalProperties: false },
);
export type UserBody = Static<typeof UserBody>;

export const UserPatch = Type.Object(
  { team: Type.Optional(Name), role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export type UserPatch = Static<typeof UserPatch>;

export const PasswordBody = Type.Object({ password: Type.Optional(Password) }, { additionalProperties: false });
export type PasswordBody = Static<typeof PasswordBody>;

export const UserJson = Type.Object({
  name: Type.String(),
  team: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  source: Source,
  createdAt: Type.Union([Timestamp, Type.Null()]),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.Union([Timestamp, Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
});
export const UserList = Type.Object({ users: Type.Array(UserJson) });

/** A created user, with the generated password when none was given (shown in this answer only). */
export const CreatedUser = Type.Object({ user: UserJson, password: Type.Optional(Type.String({ description: 'the generated password; shown only in this answer' })) });

export const PasswordSet = Type.Object({ name: Type.String(), password: Type.Optional(Type.String({ description: 'the generated password; shown only in this answer' })) });
