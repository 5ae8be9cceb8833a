"""Root URLs: the public site, the REST API, the admin and the language switcher.

The two-step sign-in (django-two-factor-auth: sign-in, enrolment, backup codes) and the staff
security pages sit under ``admin/`` ahead of the admin itself, whose catch-all would otherwise
take their paths; the admin's own login page redirects to the two-step one.
"""

from django.contrib import admin
from django.urls import include, path
from two_factor.urls import urlpatterns as two_factor_urls

from consult.staff.members import add_staff_member_view
from staff import reauth, signin

staff_urls = (
    [
        path("reauthenticate/", reauth.reauthenticate, name="reauthenticate"),
        path(
            "members/add/",
            admin.site.admin_view(add_staff_member_view),
            name="add-member",
        ),
        path(
            "users/<int:pk>/reset-second-factor/",
            admin.site.admin_view(signin.reset_devices_view),
            name="reset-second-factor",
        ),
    ],
    "staff",
)

# The 400 page says why when the project itself refused the request.
handler400 = "core.views.bad_request"

urlpatterns = [
    path("admin/", include(two_factor_urls)),
    path("admin/security/", include(staff_urls)),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("config.api")),
    path("", include("consult.public.urls")),
]
