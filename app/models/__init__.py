"""SQLAlchemy models.  Importing this package registers every table with the metadata."""
from app.models.org import Unit, UnitKind, AppUser, RoleDataScope, ScopeMode  # noqa: F401
from app.models.dictionary import DictType, DictItem, EventCategory  # noqa: F401
from app.models.notice import Notice  # noqa: F401
from app.models.audit import OperationLog  # noqa: F401
from app.models.job import BackgroundJob  # noqa: F401
from app.models.party import PartyOrg  # noqa: F401
from app.models.datacenter import (HotlineOrder, UmsPart, UmsCase, PublicOpinion, Petition, EnterpriseRequest,  # noqa: F401
                                    MayorLetter, EmergencyEvent, EmergencyExpert, EmergencySupply, RescueTeam,
                                    Shelter, HeatStation, WaterloggingPoint)
from app.models.ticket import (Ticket, OwnerPeriod, Task, Ledger, Application, Supervision, Feedback,  # noqa: F401
                               Callback, Attachment, TimelineEntry, OutboundMessage, ticket_attachment)
from app.models.security import UserSecurity, PasswordHistory, OnlineSession  # noqa: F401
from app.models.whistle import Whistle, WhistleCheckin, WhistleFeedback  # noqa: F401
from app.models.platform_item import PlatformItem  # noqa: F401
from app.models.deadline import CalendarDay, TimeLimit  # noqa: F401
from app.models.resident import ResidentWhistle, ResidentWhistlePhoto  # noqa: F401
