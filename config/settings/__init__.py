"""Settings, split by concern. Each module reads its own variables via config.env."""

from .ads import *  # noqa: F401,F403
from .api import *  # noqa: F401,F403
from .auth import *  # noqa: F401,F403
from .base import *  # noqa: F401,F403
from .celery import *  # noqa: F401,F403
from .channels import *  # noqa: F401,F403
from .chat import *  # noqa: F401,F403
from .notifications import *  # noqa: F401,F403
from .observability import *  # noqa: F401,F403
from .rooms import *  # noqa: F401,F403
from .security import *  # noqa: F401,F403
from .storage import *  # noqa: F401,F403
from .stripe import *  # noqa: F401,F403
from .webrtc import *  # noqa: F401,F403
