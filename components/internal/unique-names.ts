/**
 * Names that must be unique within a scope (endpoint names, gateway model
 * names, tenant names): one Map, so checking n names is linear, not a search
 * of the list per name.
 */
export class UniqueNames {
    private readonly owners = new Map<string, string>();

    /** Claims `name` for `owner`; returns the owner that already holds it, if any (the first claim wins). */
    claim(name: string, owner: string): string | undefined {
        const holder = this.owners.get(name);
        if (holder === undefined) this.owners.set(name, owner);
        return holder;
    }
}
