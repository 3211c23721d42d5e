"""Registries (党建引领, 数据中心): declarations on one generic machinery (``base``, ``views``)."""
from app.security.roles import DATA_CLERK, HANDLER, HEAD, PARTY_CLERK, extend_role_permissions

CLERK_OF_CATEGORY = {"党建引领": PARTY_CLERK, "数据中心": DATA_CLERK}


def all_registries():
    """Every registry declaration, in menu order."""
    from app.registries.datacenter import DATACENTER_REGISTRIES
    from app.registries.party import PARTY_REGISTRIES
    from app.registries.platform import PLATFORM_REGISTRIES

    return list(PARTY_REGISTRIES) + list(DATACENTER_REGISTRIES) + list(PLATFORM_REGISTRIES)


def grant_default_permissions(registries):
    """Clerks manage their category's registries; handlers read and export; heads may unmask."""
    for category, clerk in CLERK_OF_CATEGORY.items():
        names = "|".join(r.model.__name__ for r in registries if r.category == category)
        if not names:
            continue
        menus = "|".join([category] + [r.title for r in registries if r.category == category])
        extend_role_permissions(clerk, [(r"can_(list|show|add|edit|delete|import|template|export)|muldelete",
                                         f"({names})"), (r"menu_access", f"({menus})")])
        extend_role_permissions(HANDLER, [(r"can_(list|show|export)", f"({names})"),
                                          (r"menu_access", f"({menus})")])
        extend_role_permissions(HEAD, [(r"can_(list|show|export|unmask)", f"({names})"),
                                       (r"menu_access", f"({menus})")])
