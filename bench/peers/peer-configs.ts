/**
 * The configuration files of the two peers, as text: nginx + nchan (one publisher location for the
 * bridge, one EventSource location keyed by the stream's symbols) and Pushpin (runner, proxy and
 * handler on loopback ports chosen for the run, everything else in the run's folder).
 */
import { ROOT } from './packages.ts';

/** nginx.conf: nchan's module from the unpacked package, pid and temp paths in `dir`, one worker. */
export function nginxConf(dir: string, port: number): string {
  return `load_module ${ROOT}/usr/lib/nginx/modules/ngx_nchan_module.so;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
daemon off;
events { worker_connections 20000; }
http {
  access_log off;
  nchan_shared_memory_size 64M;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    # the bridge: one POST per quote, ?channel= the symbol as the load tester encodes it
    location = /pub {
      allow 127.0.0.1; deny all;
      nchan_publisher http;
      nchan_channel_id $arg_channel;
      nchan_message_buffer_length 1;
      nchan_message_timeout 60s;
      nchan_eventsource_event quote;
    }
    location = /stream {
      nchan_subscriber eventsource;
      nchan_channel_id $arg_symbols;
      nchan_channel_id_split_delimiter ",";
      nchan_subscriber_first_message newest;
      nchan_eventsource_ping_interval 15;
      nchan_eventsource_ping_event "";
      nchan_eventsource_ping_comment "hb";
    }
  }
}
`;
}

/** The loopback ports Pushpin's services listen on. */
export interface PushpinPorts {
  http: number;
  pushIn: number;
  pushSub: number;
  pushHttp: number;
  command: number;
}

/**
 * pushpin.conf: the services' binaries from the unpacked package, logs and runtime files in `dir`.
 * No message_rate: in 1.36 any value stalls streams after one event (peers.md §6.1).
 */
export function pushpinConf(dir: string, rundir: string, lib: string, p: PushpinPorts): string {
  return `[global]
include=${dir}/internal.conf
libdir=${lib}
rundir=${rundir}
ipc_prefix=pushpin-
port_offset=0
stats_connection_ttl=120

[runner]
services=condure,zurl,pushpin-proxy,pushpin-handler
http_port=127.0.0.1:${p.http}
logdir=${dir}/log
log_level=1
client_buffer_size=8192
client_maxconn=50000
condure_bin=${ROOT}/usr/bin/condure
zurl_bin=${ROOT}/usr/bin/zurl

[proxy]
routesfile=${dir}/routes
debug=false
auto_cross_origin=false
sig_iss=pushpin
sig_key=changeme
updates_check=off

[handler]
push_in_spec=tcp://127.0.0.1:${p.pushIn}
push_in_sub_specs=tcp://127.0.0.1:${p.pushSub}
push_in_sub_connect=false
push_in_http_addr=127.0.0.1
push_in_http_port=${p.pushHttp}
push_in_http_max_headers_size=10000
push_in_http_max_body_size=10000000
stats_spec=ipc://{rundir}/{ipc_prefix}stats
command_spec=tcp://127.0.0.1:${p.command}
message_hwm=1000000
message_wait=5000
id_cache_ttl=60
connection_subscription_max=50
subscription_linger=60
stats_subscription_ttl=60
stats_report_interval=10
stats_format=tnetstring
`;
}
