"""Account pages: register, sign in, sign out, profile, password, signed-in devices."""
from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from market.accounts import bp, deletion, device_cookies, reset, services, sessions, user_agents
from market.accounts.auth import current_session
from market.accounts.forms import (
    DeleteAccountForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from market.accounts.models import User, UserSession
from market.core.domain import DomainError, get_owned_or_404
from market.core.i18n import select_locale
from market.core.phones import display_phone
from market.core.security import redirect_next, safe_next
from market.extensions import limiter

# Kept across sign-in and sign-out, when the rest of the session is renewed (a guest's
# cart is merged into the account's at sign-in, see market.orders.views).
SESSION_KEYS_KEPT = ("lang", "cart")
DEACTIVATED = _l("This account has been deactivated; contact the union.")


def _renew_session() -> None:
    """Start a fresh session (no fixation) that keeps only the visitor's preferences."""
    kept = {key: session[key] for key in SESSION_KEYS_KEPT if key in session}
    session.clear()
    session.update(kept)


def _sign_in(user: User, remember: bool = False, session_key: str | None = None) -> None:
    """Sign `user` in on this browser: a renewed cookie session bound to a new server
    session (or to `session_key`, one a service has just opened)."""
    _renew_session()
    user.session_key = session_key or sessions.start_session(user, request.user_agent.string, request.remote_addr)
    login_user(user, remember=remember)


def _sign_out() -> None:
    """End this browser's server session, then its cookies."""
    if current_user.is_authenticated and current_session() is not None:
        try:
            sessions.end_session(current_session())
        except sessions.SessionError:
            pass  # ended meanwhile (a double tap, or from another device): sign this browser out all the same
    # Renewed before logout_user(), which leaves in the session Flask-Login's note to
    # delete the remember cookie: renewing after it lost the note, and the cookie stayed.
    _renew_session()
    logout_user()


def _has_remember_cookie() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


def _with_device_cookie(response, email: str):
    """The sign-in's response, with the browser's device cookie renewed for `email`."""
    cookie = request.cookies.get(device_cookies.COOKIE_NAME)
    device_cookies.set_cookie(response, device_cookies.renewed(cookie, services.normalise_email(email)))
    return response


# --- sign-in limits ---------------------------------------------------------------------
# Per IP; per account for untrusted clients; per device cookie for the browsers that have
# signed in to the account before (see market.accounts.device_cookies). Only failures count.

def _typed_email() -> str:
    return services.normalise_email(request.form.get("email", ""))[:254]


def _trusted_device() -> str | None:
    """The nonce of this browser's device cookie for the email typed, if it has a valid one."""
    if "sign_in_device" not in g:
        cookie = request.cookies.get(device_cookies.COOKIE_NAME)
        g.sign_in_device = device_cookies.nonce_for(cookie, _typed_email())
    return g.sign_in_device


def _account_key() -> str:
    """Rate-limit key for the untrusted clients of one account: the email typed."""
    return "sign-in:" + _typed_email()


def _device_key() -> str:
    """Rate-limit key for one device cookie of one account."""
    return "sign-in-device:" + (_trusted_device() or "")


def _is_trusted() -> bool:
    return _trusted_device() is not None


def _is_untrusted() -> bool:
    return _trusted_device() is None


def _failed(response) -> bool:
    # A successful sign-in redirects; only failures count towards the limits.
    return response.status_code != 302


@bp.route("/account/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = RegisterForm(next=request.args.get("next"))
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.full_name.data, form.email.data, form.password.data, form.phone.data, select_locale()
            )
        except services.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            _sign_in(user)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.full_name), "success")
            return _with_device_cookie(redirect(safe_next(form.next.data)), user.email)
    return render_template("accounts/register.html", form=form)


@bp.route("/account/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_is_trusted,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_DEVICE"],
    key_func=_device_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=_is_untrusted,
)
def login():
    if current_user.is_authenticated:
        return redirect_next()
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and not user.is_active:
            # Said only to whoever knows the password.
            form.password.errors.append(DEACTIVATED)
        elif user is not None:
            _sign_in(user, remember=form.remember.data)
            return _with_device_cookie(redirect(safe_next(form.next.data)), user.email)
        # Never tell whether the email exists.
        form.password.errors.append(_("The email or password is not correct."))
    return render_template("accounts/login.html", form=form)


@bp.route("/account/sign-out", methods=["POST"])
def logout():
    _sign_out()
    flash(_("You have signed out."), "info")
    return redirect(url_for("catalog.home"))


@bp.app_context_processor
def message_counts() -> dict:
    return {"unread_messages": _unread_messages}


def _unread_messages() -> int:
    """Unread account messages of the signed-in user, counted once per request."""
    if not current_user.is_authenticated:
        return 0
    if "unread_messages" not in g:
        g.unread_messages = services.unread_count(current_user)
    return g.unread_messages


@bp.route("/account/messages")
@login_required
def messages():
    user = current_user._get_current_object()
    notifications = services.notifications_for(user)
    page = render_template("accounts/messages.html", notifications=notifications)
    services.mark_notifications_read(user)
    return page


@bp.route("/account/")
@login_required
def index():
    return redirect(url_for("accounts.profile"))


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.locale.data = user.locale or select_locale()
        form.phone.data = display_phone(user.phone)
    if form.validate_on_submit():
        services.update_profile(user, form.full_name.data, form.phone.data, form.locale.data)
        session["lang"] = form.locale.data
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            new_key = services.change_password(
                user, form.current_password.data, form.password.data, request.user_agent.string, request.remote_addr
            )
        except services.AccountError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            # Every session ended, this one too (its cookie may have been copied): this
            # browser goes on in the new one, remembered if it was.
            _sign_in(user, remember=_has_remember_cookie(), session_key=new_key)
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


# --- signed-in devices ------------------------------------------------------------------

@bp.app_template_filter("device")
def _device_filter(user_agent: str | None) -> str:
    return user_agents.describe(user_agent)


@bp.route("/account/sessions")
@login_required
def session_list():
    return render_template(
        "accounts/sessions.html",
        sessions=sessions.live_sessions(current_user.id),
        this_session_id=current_session().id,
    )


@bp.route("/account/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id: int):
    user_session = get_owned_or_404(UserSession, session_id, current_user)
    if user_session.id == current_session().id:  # "end" this device: a sign-out
        _sign_out()
        flash(_("You have signed out."), "info")
        return redirect(url_for("catalog.home"))
    try:
        sessions.end_session(user_session)
    except sessions.SessionError as error:
        flash(error.message, "info")
    else:
        flash(_("That device has been signed out."), "success")
    return redirect(url_for("accounts.session_list"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    ended = sessions.end_other_sessions(current_user.id, current_session().id)
    flash(
        ngettext("%(num)d other device has been signed out.", "%(num)d other devices have been signed out.", ended)
        if ended
        else _("No other device was signed in."),
        "success" if ended else "info",
    )
    return redirect(url_for("accounts.session_list"))


# --- forgotten password -----------------------------------------------------------------
# Every request counts, per IP and per email typed (known or not: the limit says nothing).

def _reset_email_key() -> str:
    return "password-reset:" + _typed_email()


def _private(response):
    """A page whose URL holds a secret: never cached, never sent on as a Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/account/forgot-password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_EMAIL"], key_func=_reset_email_key, methods=["POST"]
)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        # The same answer whether or not the email has an account.
        return render_template("accounts/forgot_password.html", form=form, sent_to=form.email.data,
                               minutes=max(1, reset.max_age() // 60))
    return render_template("accounts/forgot_password.html", form=form, sent_to=None)


@bp.route("/account/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        reset.user_for_token(token)
    except reset.ResetLinkError as error:
        page = render_template("accounts/reset_password.html", form=None, link_error=error.message)
        return _private(current_app.make_response((page, 400)))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user, key = reset.reset_password(
                token, form.password.data, request.user_agent.string, request.remote_addr
            )
        except reset.ResetLinkError as error:
            page = render_template("accounts/reset_password.html", form=None, link_error=error.message)
            return _private(current_app.make_response((page, 400)))
        # Every session of the account ended; this browser, which proved it reads the
        # account's email, goes on signed in, in a fresh session.
        _sign_in(user, session_key=key)
        flash(_("Your new password is set and you are signed in. Every other device has been signed out."),
              "success")
        return _private(redirect(url_for("accounts.profile")))
    return _private(current_app.make_response(render_template("accounts/reset_password.html", form=form,
                                                              link_error=None)))


# --- deleting the account ---------------------------------------------------------------

@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    user = current_user._get_current_object()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            deletion.delete_account(user, form.password.data)
        except DomainError as error:
            getattr(form, error.field or "password").errors.append(error.message)
        else:
            # Its sessions are gone already; forget this browser's cookies too.
            _renew_session()
            logout_user()
            flash(_("Your account has been deleted. Thank you for shopping with us."), "info")
            return redirect(url_for("catalog.home"))
    return render_template("accounts/delete.html", form=form)
