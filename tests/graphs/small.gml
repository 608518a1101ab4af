graph [
  directed 0
  node [
    id 10
    label "a \"quoted\" label"
    host_bandwidth_down "100 Mbit"
    host_bandwidth_up "10 Mbit"
  ]
  node [
    id 20
    host_bandwidth_down "1 Gbit"
  ]
  node [ id 30 ]
  node [ id 40 ]
  node [ id 50 ]
  node [ id 60 ]
  edge [ source 10 target 10 latency "1 ms" packet_loss 0.0 ]
  edge [ source 20 target 20 latency "2 ms" packet_loss 0.0 ]
  edge [ source 30 target 30 latency "3 ms" packet_loss 0.01 ]
  edge [ source 40 target 40 latency "4 ms" ]
  edge [ source 50 target 50 latency "5 ms" jitter "1 ms" ]
  edge [ source 10 target 20 latency "10 ms" packet_loss 0.1 ]
  edge [ source 40 target 20 latency "10 ms" packet_loss 0.1 ]
  edge [ source 10 target 30 latency "5 ms" packet_loss 0.0 ]
  edge [ source 30 target 40 latency "15 ms" packet_loss 0.3 ]
  edge [ source 10 target 40 latency "30 ms" packet_loss 0.0 ]
  edge [ source 40 target 50 latency "7 ms" packet_loss 0.05 ]
  edge [ source 20 target 60 latency "1 ms" packet_loss 0.0 ]
]
